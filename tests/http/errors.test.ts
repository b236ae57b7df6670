import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorHandler } from '../../server/http/errors.ts';
import { Refusal } from '../../server/refusal.ts';
import { said } from '../../server/wire/messages.ts';

/** The app's last error handler on a real server, its log lines caught as pino writes them. */
describe('errors the routers did not answer', () => {
  const lines: Record<string, any>[] = [];
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const app = express();
    app.get('/boom', () => {
      throw new Error('route file went missing');
    });
    app.get('/later', async () => {
      await Promise.resolve();
      throw new TypeError('cannot read properties of undefined');
    });
    app.post('/take', () => {
      throw new Refusal('conflict', said('control_held', { vehicle: 'sim-1', holder: 'pilot2' }));
    });
    app.post('/old', () => {
      throw new Refusal('not_found', 'no such thing');
    });
    app.post('/small', express.json({ limit: 16 }), (_req, res) => {
      res.json({});
    });
    app.use(apiErrorHandler(pino({ level: 'info' }, sink)));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('a 500 answers "internal error" and is logged with its stack and the request', async () => {
    for (const [url, message] of [['/boom', 'route file went missing'], ['/later', 'cannot read properties of undefined']] as const) {
      const res = await fetch(base + url);
      expect([res.status, await res.json()]).toEqual([500, { error: 'internal error' }]);
      const line = lines.find((l) => l.url === url)!;
      expect(line).toMatchObject({ level: 50, method: 'GET', msg: `GET ${url} failed: ${message}`, err: { message } });
      expect(line.err.stack).toMatch(/errors\.test\.ts/);
    }
  });

  it('a refusal answers its status, its English for API users and, given as a code, the same for the pages to say in their language', async () => {
    const before = lines.length;
    const take = await fetch(`${base}/take`, { method: 'POST' });
    expect([take.status, await take.json()]).toEqual([409, {
      error: 'sim-1 is under the control of pilot2; they must release it first',
      said: { code: 'control_held', params: { vehicle: 'sim-1', holder: 'pilot2' } },
    }]);
    const old = await fetch(`${base}/old`, { method: 'POST' });
    expect([old.status, await old.json()]).toEqual([404, { error: 'no such thing' }]);
    expect(lines.length).toBe(before);
  });

  it("bad input is the client's: 4xx saying what, and not logged as a failure", async () => {
    const before = lines.length;
    const post = (body: string) => fetch(`${base}/small`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const big = await post(JSON.stringify({ text: 'x'.repeat(100) }));
    expect([big.status, await big.json()]).toEqual([413, { error: 'request body too large (limit 16 bytes)' }]);
    const bad = await post('{"a":');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^request body is not valid JSON: /);
    expect(lines.length).toBe(before);
  });
});
