import type { ErrorRequestHandler } from 'express';
import { pino } from 'pino';
import type { Logger } from '../log.ts';
import { Refusal, type RefusalKind } from '../refusal.ts';
import { storeAwayReason } from '../store/away.ts';
import { english, said, type ServerMessage } from '../wire/messages.ts';

/** The status code of each kind of refusal the domain makes. */
const STATUS: Record<RefusalKind, number> = { invalid: 400, forbidden: 403, not_found: 404, conflict: 409, too_large: 413, unprocessable: 422 };

export const statusOf = (refusal: Refusal): number => STATUS[refusal.kind];

/**
 * A refusal's answer: `error`, its English for API users, and `said`, the same as a code and its
 * parameters for the pages to say in their language (only when the refusal has one).
 */
export interface RefusalBody {
  error: string;
  said?: ServerMessage;
}

export const refusalBody = (refusal: Refusal): RefusalBody => (refusal.said ? { error: refusal.message, said: refusal.said } : { error: refusal.message });

/** The answer for a refusal the http layer makes itself, from its message. */
export const saidBody = (m: ServerMessage): Required<RefusalBody> => ({ error: english(m), said: m });

/** Where 500s go when the app was given no logger: standard error, so none goes unrecorded. */
const fallbackLog: Logger = pino({ level: 'error' }, pino.destination(2));

/**
 * The app's last error handler. What the body parsers found wrong, and what the domain refused,
 * is the client's (4xx, saying what); anything else is ours: logged with its stack and the request that met it, answered
 * with a bare 500 so no internals leak to the client.
 */
export function apiErrorHandler(log: Logger = fallbackLog): ErrorRequestHandler {
  return (err, req, res, next) => {
    const away = storeAwayReason(err);
    if (away !== null && !res.headersSent) {
      log.warn(`${req.method} ${req.originalUrl} refused: the store is away (${away})`);
      res.status(503).set('Retry-After', '5').json(saidBody(said('store_unavailable', { reason: away })));
      return;
    }
    const status = err instanceof Refusal ?
      statusOf(err)
      : typeof err?.status === 'number' && err.status >= 400 && err.status < 500
      ? err.status
      : 500;
    if (status === 500) {
      log.error(
        { err, method: req.method, url: req.originalUrl },
        `${req.method} ${req.originalUrl} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (res.headersSent) {
      next(err); // express ends the half-sent response
      return;
    }
    if (err instanceof Refusal) {
      res.status(status).json(refusalBody(err));
      return;
    }
    const message = err?.type === 'entity.parse.failed' ?
      `request body is not valid JSON: ${err.message}`
      : err?.type === 'entity.too.large' ?
      `request body too large (limit ${err.limit} bytes)`
      : status === 500
      ? 'internal error'
      : String(err?.message);
    res.status(status).json({ error: message });
  };
}
