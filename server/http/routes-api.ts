import express, { type ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { exportRoute } from '../missions/formats/index.ts';
import { waypointsOmissions } from '../missions/formats/wpl.ts';
import { ROUTE_MAX_BYTES, ROUTE_MAX_MB } from '../missions/limits.ts';
import { RouteFileError, type RouteInput, type RouteStore } from '../missions/store.ts';
import { routeDetail, routeSummary } from '../missions/views.ts';
import { parseBody } from './validate.ts';
import { statusOf } from './errors.ts';

/**
 * Patrol routes over HTTP, mounted at /api/routes. Reading is open to every signed-in role;
 * changes pass guards.edit (pilot or admin). Sending a route to a drone is a flight command: see
 * POST /routes/:id/upload in patrols-api.ts.
 */

const FileUpload = z.object({
  fileName: z.string({ error: 'expected the file name, e.g. "night-market.plan"' }).min(1, 'must not be empty'),
  content: z.string({ error: 'expected the file\'s text' }),
  altitude: z.number().positive('metres above home, more than 0').optional(),
});
const FORMATS = ['plan', 'waypoints'] as const;

export function createRoutesRouter(store: RouteStore, guards: { edit: express.RequestHandler }): express.Router {
  const router = express.Router();
  // The one route size limit (the app's own body parser, for everything else, is smaller).
  router.use(express.json({ limit: ROUTE_MAX_BYTES }));

  /** A file's text, or route JSON (the body itself). */
  const input = (req: express.Request, res: express.Response): RouteInput | undefined => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      res.status(400).json({ error: 'request body must be a JSON object: {fileName, content} or a route' });
      return undefined;
    }
    if (!('fileName' in body) && !('content' in body)) return { route: body };
    return parseBody(FileUpload, req, res);
  };

  const entryOr404 = (id: string, res: express.Response) => {
    const e = store.get(id);
    if (!e) res.status(404).json({ error: `no route "${id}"; GET /api/routes lists them` });
    return e;
  };

  router.get('/', (_req, res) => { res.json(store.list().map(routeSummary)); });

  router.get('/:id', (req, res) => {
    const e = entryOr404(req.params.id, res);
    if (e) res.json(routeDetail(e));
  });

  router.get('/:id/export', (req, res) => {
    const e = entryOr404(req.params.id, res);
    if (!e) return;
    const format = FORMATS.find((f) => f === (req.query.format ?? 'plan'));
    if (!format) {
      res.status(400).json({ error: `format: expected "plan" or "waypoints", got "${String(req.query.format)}"` });
      return;
    }
    if (!e.route) {
      res.status(422).json({ error: `${e.file} cannot be read as a route`, issues: e.issues });
      return;
    }
    const omitted = format === 'waypoints' ? waypointsOmissions(e.route) : [];
    if (omitted.length) res.setHeader('X-Route-Omitted', omitted.join('; '));
    res.attachment(`${e.id}.${format}`).type('text/plain; charset=utf-8').send(exportRoute(e.route, format));
  });

  router.post('/', guards.edit, async (req, res) => {
    const body = input(req, res);
    if (!body) return;
    res.status(201).json(routeDetail(await store.create(body)));
  });

  router.put('/:id', guards.edit, async (req, res) => {
    const body = input(req, res);
    if (!body) return;
    res.json(routeDetail(await store.replace(String(req.params.id), body)));
  });

  router.delete('/:id', guards.edit, async (req, res) => {
    await store.remove(String(req.params.id));
    res.status(204).end();
  });

  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    if (err instanceof RouteFileError) res.status(statusOf(err)).json({ error: err.message, issues: err.issues });
    else if (err?.type === 'entity.parse.failed') res.status(400).json({ error: `request body is not valid JSON: ${err.message}` });
    else if (err?.type === 'entity.too.large') res.status(413).json({ error: `request body too large: a route is at most ${ROUTE_MAX_MB} MB` });
    else next(err);
  };
  router.use(onError);
  return router;
}
