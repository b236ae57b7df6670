import type { Request, Response } from 'express';
import type { z } from 'zod';

/** Describe zod issues as "field: problem" so a client knows exactly what to fix. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`).join('; ');
}

/** Validate a JSON body; on failure answer 400 naming the fields and return undefined. */
export function parseBody<T extends z.ZodType>(schema: T, req: Request, res: Response): z.infer<T> | undefined {
  if (req.body === undefined || req.body === null || typeof req.body !== 'object') {
    res.status(400).json({ error: 'request body must be a JSON object (Content-Type: application/json)' });
    return undefined;
  }
  const r = schema.safeParse(req.body);
  if (!r.success) {
    res.status(400).json({ error: `invalid request body: ${describeIssues(r.error)}` });
    return undefined;
  }
  return r.data;
}
