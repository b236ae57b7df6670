/**
 * Behind a balancer every connection comes from the balancer: the audit and the per-address
 * refusal counts must name the client its X-Forwarded-For gives, on every way in alike (REST,
 * socket.io, the video WebSockets), and only when trustProxy says the peer is the balancer.
 * Real service, real clients over loopback, the audit read back through the API.
 */
import { io as connectSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../server/store/audit.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { videoClient } from '../helpers/video-client.ts';
import { waitFor } from '../helpers/wait.ts';

type T = Awaited<ReturnType<typeof testService>>;
let t: T | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const FOREIGN = 'http://evil.example';
/** One client per way in: an anonymous caller's refusals are counted per address, so each way gets a row of its own. */
const CLIENTS = { rest: '203.0.113.1', 'socket.io': '203.0.113.2', video: '203.0.113.3' };

/** Every way in refused twice, each from its own client as the balancer says: a bad token, then a foreign page. */
async function refuseEveryWay(base: string): Promise<void> {
  const xff = (way: keyof typeof CLIENTS) => ({ 'x-forwarded-for': CLIENTS[way] });
  await fetch(`${base}/api/vehicles`, { headers: { authorization: 'Bearer not-a-session', ...xff('rest') } });
  await fetch(`${base}/api/logout`, { method: 'POST', headers: { origin: FOREIGN, ...xff('rest') } });
  for (const origin of [undefined, FOREIGN]) {
    await new Promise<void>((resolve) => {
      const s = connectSocket(base, {
        auth: { token: 'not-a-session' },
        transports: ['websocket'],
        reconnection: false,
        extraHeaders: { ...xff('socket.io'), ...(origin && { origin }) },
      });
      const done = () => {
        s.close();
        resolve();
      };
      s.on('connect_error', done);
      s.on('connect', done);
    });
    const v = await videoClient(base, 'sim-1', { token: 'not-a-session', origin, headers: xff('video') });
    expect(v.refused?.status).toBe(origin ? 403 : 401);
    v.close();
  }
}

/** The refusals the audit holds, as "way result ← ip", sorted. */
async function refusals(t: T): Promise<string[]> {
  const admin = await t.login('admin', ADMIN_PASSWORD);
  const r = await t.api('GET', '/api/audit?action=access.denied&limit=100', admin);
  expect(r.status).toBe(200);
  const way = (target: string | null) => (target?.startsWith('socket.io') ? 'socket.io' : target?.startsWith('video') ? 'video' : 'rest');
  return (r.body as AuditEntry[]).map((e) => `${way(e.target)} ${e.result} ← ${e.ip}`).sort();
}

const sixRows = (t: T) =>
  waitFor('six refusal rows in the audit', async () => {
    const rows = await refusals(t);
    return rows.length >= 6 && rows;
  }, 10_000);

describe('the client address in the audit, behind a balancer', () => {
  it('with trustProxy naming the balancer, every way in names the forwarded client', async () => {
    t = await testService({ trustProxy: 'loopback' });
    await refuseEveryWay(t.base);
    expect(await sixRows(t)).toEqual([
      `rest 401 ← ${CLIENTS.rest}`,
      `rest origin ← ${CLIENTS.rest}`,
      `socket.io 401 ← ${CLIENTS['socket.io']}`,
      `socket.io origin ← ${CLIENTS['socket.io']}`,
      `video 401 ← ${CLIENTS.video}`,
      `video origin ← ${CLIENTS.video}`,
    ]);
  });

  it.each([['no trustProxy', false], ['trustProxy naming another peer', '10.0.0.2']] as const)(
    'with %s the header is not believed: the peer itself is named',
    async (_what, trustProxy) => {
      t = await testService({ trustProxy });
      await refuseEveryWay(t.base);
      // anonymous refusals from one address fold into one row per result: the three ways share it
      const rows = await waitFor('two refusal rows in the audit', async () => {
        const r = await refusals(t!);
        return r.length >= 2 && r;
      }, 10_000);
      expect(rows.map((r) => r.replace(/^\S+ /, '').replace('::ffff:', ''))).toEqual(['401 ← 127.0.0.1', 'origin ← 127.0.0.1']);
    },
  );
});
