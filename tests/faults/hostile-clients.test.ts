import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, OfficerView, ServerToClientEvents } from '../../server/wire/types.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

type T = Awaited<ReturnType<typeof testService>>;
type S = Socket<ServerToClientEvents, ClientToServerEvents>;
const cleanup = cleanupAfterEach();

async function start(): Promise<T> {
  const t = await testService();
  cleanup.push(() => t.close());
  return t;
}

async function connected(s: S): Promise<S> {
  if (!s.connected) await new Promise<void>((r) => s.once('connect', () => r()));
  return s;
}

/** An untyped emit with an acknowledgement, as a hostile client may send anything. */
function ask(s: S, event: string, ...args: unknown[]): Promise<unknown> {
  return new Promise((resolve) => (s as unknown as { emit(...a: unknown[]): void }).emit(event, ...args, resolve));
}

/** A GET with a header far beyond Node's 16 KB limit, on a raw request (fetch may refuse to send it). */
function hugeHeader(base: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/api/health`, { headers: { 'x-filler': 'x'.repeat(64 * 1024) } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
  });
}

describe('hostile clients', () => {
  it('oversized and malformed HTTP requests get a clear 4xx, change nothing, and others are served meanwhile', async () => {
    const t = await start();
    const command = await t.user('room', ['command']);
    const huge = JSON.stringify({ category: 'theft', lat: 28.37, lon: 121.38, note: 'x'.repeat(2 * 1024 * 1024) });
    const [big, login, broken, wrongShape, header, meanwhile] = await Promise.all([
      t.api('POST', '/api/alerts', command, huge),
      t.api('POST', '/api/login', undefined, JSON.stringify({ username: 'room', password: 'p'.repeat(10_000) })),
      t.api('POST', '/api/alerts', command, '{"category": "theft", "lat": 28.3'),
      t.api('POST', '/api/alerts', command, [1, 2, 3]),
      hugeHeader(t.base),
      t.api('GET', '/api/vehicles', command),
    ]);
    expect(big).toMatchObject({ status: 413, body: { error: 'request body too large (limit 1048576 bytes)' } });
    expect(login).toMatchObject({ status: 413, body: { error: 'request body too large (limit 4096 bytes)' } });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/^request body is not valid JSON: /);
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.error).toMatch(/^invalid request body: /);
    expect(header).toBe(431);
    expect(meanwhile.status).toBe(200);
    expect((await t.api('GET', '/api/alerts/open', command)).body.ground).toEqual([]);
    expect((await t.api('GET', '/api/health')).status).toBe(200);
  });

  it('a socket.io message over 64 KB drops that socket only; the others carry on', async () => {
    const t = await start();
    const offender = await connected(t.socket(await t.user('mallory', ['officer'])));
    const honest = await connected(t.socket(await t.user('chen', ['officer'])));
    const room = await connected(t.socket(await t.user('room', ['command'])));
    const seen: OfficerView[] = [];
    room.on('officers', (list) => seen.push(...list));
    const dropped = new Promise<string>((r) => offender.once('disconnect', r));
    offender.emit('officer:location', { lat: 28.37, lon: 121.38, accuracyM: 5, padding: 'x'.repeat(100_000) } as never);
    expect(await dropped).toMatch(/transport (close|error)/);
    expect(await ask(honest, 'officer:duty', true)).toBeNull();
    expect(await ask(honest, 'officer:location', { lat: 28.371, lon: 121.381 })).toBeNull();
    await waitFor('the command room sees the honest officer', () => seen.some((o) => o.name === 'chen' && o.lat === 28.371));
    expect(seen.some((o) => o.name === 'mallory' && o.lat !== null)).toBe(false);
  });

  it('malformed socket.io arguments are refused through the acknowledgement and change nothing', async () => {
    const t = await start();
    const s = await connected(t.socket(await t.user('zhao', ['officer'])));
    const command = await t.user('room', ['command']);
    for (const bad of ['yes', 1, null, {}, [true]]) {
      expect(await ask(s, 'officer:duty', bad)).toBe('onDuty must be true or false');
    }
    for (
      const bad of [null, 'here', [28.37, 121.38], { lat: '28.37', lon: 121.38 }, { lat: 91, lon: 0 }, { lat: 28.37 }, {
        lat: 28.37,
        lon: 121.38,
        accuracyM: -1,
      }]
    ) {
      expect(await ask(s, 'officer:location', bad)).toMatch(/^invalid location: /);
    }
    // Events the server does not listen to, and its own event names sent back at it, are ignored.
    (s as unknown as { emit(...a: unknown[]): void }).emit('vehicles:update', [{ id: 'l1-1' }]);
    (s as unknown as { emit(...a: unknown[]): void }).emit('no such event', 'x'.repeat(1000));
    expect(await ask(s, 'officer:location', { lat: 28.37, lon: 121.38 })).toBeNull(); // still connected and heard
    const officers = (await t.api('GET', '/api/officers', command)).body as OfficerView[];
    expect(officers).toEqual([expect.objectContaining({ name: 'zhao', onDuty: false, lat: 28.37, lon: 121.38 })]);
  });
});
