import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { AuditLog } from '../store/audit.ts';

/*
 * Which web pages may talk to the service: its own (the origin the Host header names, over http
 * or https — a TLS front may end HTTPS before us) and the configured `allowedOrigins`.
 *
 * Why this is needed although the session cookie is SameSite=Strict: "same site" ignores the
 * port (and sibling host names under one registrable domain), so a page served from another
 * port of the station's host is same-site and its requests carry the cookie. A WebSocket is
 * not bound by CORS, so such a page could open the live stream and read the fleet, alerts and
 * officers; and a "simple" POST (a form, or text/plain) reaches the REST API without a CORS
 * preflight, so a state-changing route that needs no JSON body (logging out, say) could be
 * triggered. Browsers send Origin on every WebSocket handshake and every cross-origin request,
 * so checking it closes both. A request without Origin is not from a foreign page (scripts and
 * phone apps send none, and their bearer token is never sent by a browser on its own), so it is
 * let through. Reading with GET from a foreign page stays blocked by the browser itself: the
 * service sends no CORS headers.
 */

export type OriginVerdict = { ok: true } | { ok: false; origin: string; reason: string };

/** "https://Station.local:443/" → "https://station.local"; throws for anything but an http(s) origin. */
export function normalOrigin(text: string): string {
  const u = new URL(text);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${text}: not an http or https origin`);
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username)
    throw new Error(`${text}: an origin is scheme://host[:port] only, without a path`);
  return u.origin;
}

/** May the page that sent this request (its Origin header) use the service? */
export function checkOrigin(req: IncomingMessage, allowed: readonly string[]): OriginVerdict {
  const origin = req.headers.origin;
  if (origin === undefined) return { ok: true };
  let page: string;
  try {
    page = normalOrigin(origin);
  } catch {
    return { ok: false, origin, reason: `refused: the page's origin "${origin.slice(0, 200)}" is not a web origin` };
  }
  const u = new URL(page);
  const host = req.headers.host;
  if (host) {
    try {
      // The Host header read with the page's scheme, so default ports compare equal (":443" or none).
      if (new URL(`${u.protocol}//${host}`).host === u.host) return { ok: true };
    } catch { /* a Host header that is no host: not our own origin */ }
  }
  if (allowed.includes(page)) return { ok: true };
  return {
    ok: false,
    origin,
    reason: `refused: pages from ${page.slice(0, 200)} may not use this service; only its own pages` +
      `${allowed.length ? ` and ${allowed.join(', ')}` : ''} (add others to allowedOrigins in the configuration)`,
  };
}

/** Audit a refused origin: counted per client address (see AuditLog.refused), what was asked and from where kept as samples. */
export function auditOrigin(audit: AuditLog, ip: string | null, verdict: Extract<OriginVerdict, { ok: false }>, what: string): void {
  audit.refused({ action: 'access.denied', result: 'origin', target: `${what} from ${verdict.origin}`, ip });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Express: a state-changing request (POST, PUT, PATCH, DELETE) from a foreign page is 403. */
export function rejectForeignOrigins(allowed: readonly string[], audit: AuditLog): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const verdict = checkOrigin(req, allowed);
    if (verdict.ok) return next();
    auditOrigin(audit, req.ip ?? null, verdict, `${req.method} ${req.path}`);
    res.status(403).json({ error: verdict.reason });
  };
}
