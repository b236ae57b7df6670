/**
 * Alert dispatch: POST /api/alerts → 'ground:offer' on the nearest officer's socket, with 200
 * officers connected (logged in, on duty, located). The service runs as its own process.
 * Baseline: the bare server (bench/lib/bare-server.ts) doing the same nearest-first offer with
 * no database, audit or auth; both servers run at once and the alerts alternate between them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { Prng } from '../server/sim/prng.ts';
import type { GroundAlertView } from '../server/wire/types.ts';
import { startBareServer } from './lib/bare-server.ts';
import { figure, quantile, type Bench } from './lib/report.ts';
import { dataDirWithAccounts, startServiceProcess } from './lib/service-process.ts';
import { HOME } from './lib/traffic.ts';

const OFFICERS = 200;

interface Officer {
  name: string;
  lat: number;
  lon: number;
  offers: Map<number, number>;
}

/** 200 phones on one server: connected, on duty, at their place, confirming every offer. */
async function phones(base: string, officers: Officer[], auth: (o: Officer) => Record<string, string>): Promise<Socket[]> {
  return Promise.all(officers.map((o) =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(base, { auth: auth(o), transports: ['websocket'], reconnection: false });
      s.on('ground:offer', (a: GroundAlertView, delivered?: (ok: boolean) => void) => {
        o.offers.set(a.id, performance.now());
        delivered?.(true);
      });
      s.once('connect_error', (e) => reject(new Error(`officer ${o.name}: ${e.message}`)));
      s.once('connect', () => {
        s.emit('officer:duty', true, () => s.emit('officer:location', { lat: o.lat, lon: o.lon }, () => resolve(s)));
      });
    })
  ));
}

interface Server {
  name: string;
  base: string;
  officers: Officer[];
  token?: string;
  closeAlert?: (id: number) => Promise<void>;
}

/** One alert at an officer's own spot (so that officer is the nearest); ms to the HTTP answer and to the offer. */
async function oneAlert(srv: Server, o: Officer): Promise<{ httpMs: number; offerMs: number }> {
  const t0 = performance.now();
  const res = await fetch(`${srv.base}/api/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(srv.token ? { authorization: `Bearer ${srv.token}` } : {}) },
    body: JSON.stringify({ category: 'theft', lat: o.lat, lon: o.lon, note: 'bench' }),
  });
  const httpMs = performance.now() - t0;
  const body = await res.json() as { id: number; error?: string };
  if (res.status !== 201) throw new Error(`${srv.name}: POST /api/alerts ${res.status} ${body.error}`);
  const until = t0 + 5000;
  while (!o.offers.has(body.id)) {
    if (performance.now() > until) throw new Error(`${srv.name}: no offer for alert ${body.id} at ${o.name} within 5 s`);
    await new Promise((r) => setImmediate(r));
  }
  const offerMs = o.offers.get(body.id)! - t0;
  await srv.closeAlert?.(body.id);
  return { httpMs, offerMs };
}

const bench: Bench = async ({ quick, log }) => {
  const alerts = quick ? 40 : 300;
  const rng = new Prng(2026);
  // Officers scattered over ±5 km of the station, each server with its own phones at the same places.
  const places = Array.from(
    { length: OFFICERS },
    (_, i) => ({ name: `officer${i + 1}`, lat: HOME.lat + (rng.next() - 0.5) * 0.09, lon: HOME.lon + (rng.next() - 0.5) * 0.1 }),
  );
  const fresh = () => places.map((p) => ({ ...p, offers: new Map<number, number>() }));

  const { dataDir, tokens } = await dataDirWithAccounts([...places.map((p) => ({ name: p.name, roles: ['officer' as const] })), {
    name: 'room',
    roles: ['command'],
  }]);
  // The bench's command-room account raises 310 alerts in a minute or two: far above the per-user limit.
  const config = path.join(dataDir, 'bench.config.json');
  fs.writeFileSync(config, JSON.stringify({ dispatch: { createPerMinute: 100_000 } }));
  const svc = await startServiceProcess(['--config', config], dataDir);
  const bare = await startBareServer({ udpPorts: 0, batchMs: 250 });
  const sockets: Socket[] = [];
  try {
    const token = tokens.get('room')!;
    const skybeat: Server = {
      name: 'SkyBeat',
      base: svc.base,
      officers: fresh(),
      token,
      async closeAlert(id) {
        const r = await fetch(`${svc.base}/api/alerts/${id}/close`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: '{"outcome":"handled"}',
        });
        if (r.status !== 200) throw new Error(`close alert ${id}: ${r.status} ${await r.text()}`);
      },
    };
    const baseline: Server = { name: 'bare server', base: bare.base, officers: fresh() };
    sockets.push(...await phones(svc.base, skybeat.officers, (o) => ({ token: tokens.get(o.name)! })));
    sockets.push(...await phones(bare.base, baseline.officers, (o) => ({ name: o.name })));
    log(`dispatch: ${OFFICERS} officers on each server, ${alerts} alerts alternating between them`);

    const results = new Map<string, { httpMs: number; offerMs: number }[]>([[skybeat.name, []], [baseline.name, []]]);
    for (let i = 0; i < alerts + 10; i++) {
      const k = rng.int(OFFICERS);
      for (const srv of i % 2 ? [skybeat, baseline] : [baseline, skybeat]) {
        const r = await oneAlert(srv, srv.officers[k]!);
        if (i >= 10) results.get(srv.name)!.push(r); // the first 10 warm up both
      }
    }
    const q = (name: string, k: 'httpMs' | 'offerMs', p: number) => quantile(results.get(name)!.map((r) => r[k]), p);
    const base = (k: 'httpMs' | 'offerMs', p: number) => ({ name: baseline.name, value: q(baseline.name, k, p) });
    return {
      name: 'dispatch',
      title: `Alert dispatch: POST /api/alerts → the nearest officer's socket, ${OFFICERS} officers connected`,
      figures: [
        figure('POST /api/alerts → ground:offer, p50', 'ms', q(skybeat.name, 'offerMs', 0.5), base('offerMs', 0.5)),
        figure('POST /api/alerts → ground:offer, p99', 'ms', q(skybeat.name, 'offerMs', 0.99), base('offerMs', 0.99)),
        figure('POST /api/alerts → HTTP 201, p50', 'ms', q(skybeat.name, 'httpMs', 0.5), base('httpMs', 0.5)),
      ],
      notes: [
        `${alerts} alerts, each at a random officer's own position (so that officer is the nearest), alternating with the baseline; each SkyBeat alert is closed after its offer, so the open set stays small.`,
        'SkyBeat stores the alert and its events in SQLite (synchronous=FULL) and audits it before answering; the bare server keeps nothing.',
      ],
      detail: { results: Object.fromEntries(results) },
    };
  } finally {
    for (const s of sockets) s.close();
    await bare.stop();
    await svc.stop();
  }
};

export default bench;
