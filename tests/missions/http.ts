import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createRoutesRouter } from '../../server/http/routes-api.ts';
import { RouteStore } from '../../server/missions/store.ts';

/** The router on a real HTTP server; "x-role: pilot" stands in for the lead's auth guard. */
export async function routesServer(dir: string) {
  const store = new RouteStore(dir, { debounceMs: 50 });
  await store.open();
  const app = express();
  const edit: express.RequestHandler = (req, res, next) => {
    if (req.get('x-role') === 'pilot') next();
    else res.status(403).json({ error: 'pilots and admins only' });
  };
  /** What the router audits, in order. */
  const audited: { action: string; target?: string | null; result: string; detail?: unknown }[] = [];
  app.use('/api/routes', createRoutesRouter(store, { edit, audit: { record: (e) => audited.push(e) } }));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/routes`;
  return {
    store,
    audited,
    async call(method: string, url: string, body?: unknown, role: string | null = 'pilot') {
      const res = await fetch(base + url, {
        method,
        headers: { ...(role ? { 'x-role': role } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json: any = text;
      try {
        json = JSON.parse(text);
      } catch { /* a file export */ }
      return { status: res.status, body: json, headers: res.headers };
    },
    async close() {
      store.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
