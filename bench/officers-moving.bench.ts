/**
 * Officers moving during a busy shift: 1,000 open ground alerts, 200 officers' phones connected,
 * each holding a job and sending its location once a second, one phone at 18 a second (under the
 * socket flood limit). What it costs everyone else: GET /api/health latency (what a monitor and
 * the pages' status checks see) and the service's event-loop delay, with three simulated drones
 * flying (a loop stalled for 3.5 s marks them link lost).
 * Baseline, same run and same process: the same service with the phones connected and still.
 */
import fs from 'node:fs';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { Prng } from '../server/sim/prng.ts';
import { officerPlaces, seedOpenAlerts, type Place } from './lib/open-alerts.ts';
import { figure, quantile, type Bench } from './lib/report.ts';
import { dataDirWithAccounts, startServiceProcess } from './lib/service-process.ts';

const OFFICERS = 200;
const ALERTS = 1000;
const FAST_PHONE_PER_S = 18;

/** dronesLost: the most /api/health said were lost (NaN: no answer came back to say); phones: connected at the end */
interface Phase {
  name: string;
  healthMs: number[];
  timeouts: number;
  loop: { p50: number; p99: number; max: number };
  dronesLost: number;
  phones: number;
  /** what reached the command room, per second: ground-alert views and officer positions */
  roomPerS: Record<string, number>;
}

/** Phones connected, on duty and located, 20 at a time; each can then be made to walk towards its job. */
async function phones(base: string, officers: Place[], tokens: Map<string, string>): Promise<Socket[]> {
  const one = (o: Place) =>
    new Promise<Socket>((resolve, reject) => {
      // A generous timeout: the code before the fix needed seconds for each phone's catch-up. A
      // phone the service drops (its pings unanswered while the loop is stalled) reconnects, as phones do.
      const s = connect(base, { auth: { token: tokens.get(o.name)! }, transports: ['websocket'], timeout: 120_000 });
      s.on('ground:offer', (_a: unknown, delivered?: (ok: boolean) => void) => delivered?.(true));
      s.once('connect_error', (e) => reject(new Error(`officer ${o.name}: ${e.message}`)));
      s.once('connect', () => s.emit('officer:duty', true, () => s.emit('officer:location', { lat: o.lat, lon: o.lon }, () => resolve(s))));
    });
  const all: Socket[] = [];
  for (let i = 0; i < officers.length; i += 20) all.push(...await Promise.all(officers.slice(i, i + 20).map(one)));
  return all;
}

/** Send a location every `everyMs`, a few metres nearer the job each time, without waiting for an answer (as a phone's timer does). */
function walk(s: Socket, from: Place, to: Place, everyMs: number): () => void {
  let step = 0;
  const send = () => {
    const f = Math.min(1, ++step / 2000);
    s.emit('officer:location', { lat: from.lat + (to.lat - from.lat) * f, lon: from.lon + (to.lon - from.lon) * f, accuracyM: 8 });
  };
  let timer: NodeJS.Timeout | undefined;
  const start = setTimeout(() => {
    send();
    timer = setInterval(send, everyMs);
  }, Math.random() * everyMs);
  return () => {
    clearTimeout(start);
    clearInterval(timer);
  };
}

/** The service's own event-loop delay (prom-client's monitor, reset at each scrape), in ms; NaN if it cannot say within 2 minutes. */
async function eventLoop(base: string): Promise<Phase['loop']> {
  let text = '';
  try {
    text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(120_000) })).text();
  } catch { /* a stalled service: the figures stay NaN */ }
  const read = (name: string) => Number(new RegExp(`^skybeat_nodejs_eventloop_lag_${name}_seconds\\s+(\\S+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p50: read('p50'), p99: read('p99'), max: read('max') };
}

/** GET /api/health one after another (20 ms apart) for `ms`; also the most drones it says are lost. */
async function measure(base: string, name: string, ms: number, sockets: Socket[], got: Record<string, number>): Promise<Phase> {
  await eventLoop(base); // resets the monitor: the phase's delay only
  const before = { ...got };
  const phase: Phase = { name, healthMs: [], timeouts: 0, loop: { p50: NaN, p99: NaN, max: NaN }, dronesLost: NaN, phones: 0, roomPerS: {} };
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const t0 = performance.now();
    try {
      const body = await (await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(10_000) })).json() as { vehicles: { lost: number } };
      phase.healthMs.push(performance.now() - t0);
      phase.dronesLost = Math.max(Number.isNaN(phase.dronesLost) ? 0 : phase.dronesLost, body.vehicles.lost);
    } catch {
      phase.timeouts++;
      phase.healthMs.push(10_000);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  phase.loop = await eventLoop(base);
  phase.phones = sockets.filter((s) => s.connected).length;
  phase.roomPerS = Object.fromEntries(Object.entries(got).map(([k, n]) => [k, (n - before[k]!) / (ms / 1000)]));
  return phase;
}

const bench: Bench = async ({ quick, log }) => {
  const phaseMs = quick ? 4000 : 15_000;
  const rng = new Prng(2027);
  const places = officerPlaces(OFFICERS, rng);
  const { dataDir, tokens } = await dataDirWithAccounts([...places.map((p) => ({ name: p.name, roles: ['officer' as const] })), {
    name: 'room',
    roles: ['command'],
  }]);
  const { held } = await seedOpenAlerts(dataDir, places, ALERTS, rng);
  // No escalation during the run: the figures are about locations, not waves of offers.
  const config = path.join(dataDir, 'bench.config.json');
  fs.writeFileSync(config, JSON.stringify({ dispatch: { escalateAfterS: 3600 } }));
  const svc = await startServiceProcess(['--config', config, '--sim', '3'], dataDir);
  const sockets: Socket[] = [];
  const stops: (() => void)[] = [];
  try {
    // The command room, counting what reaches it: proof that the moves were taken in, and the fan-out.
    const room = connect(svc.base, { auth: { token: tokens.get('room')! }, transports: ['websocket'] });
    const got = { alerts: 0, officers: 0 };
    room.on('alerts:ground', (list: unknown[]) => {
      got.alerts += list.length;
    });
    room.on('officers', (list: unknown[]) => {
      got.officers += list.length;
    });
    stops.push(() => room.close());
    const t0 = performance.now();
    sockets.push(...await phones(svc.base, places, tokens));
    const connectS = (performance.now() - t0) / 1000;
    log(`officers-moving: ${ALERTS} open alerts, ${OFFICERS} phones connected in ${connectS.toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, quick ? 2000 : 5000)); // connections' catch-up and the drones' boot settle

    const still = await measure(svc.base, 'phones still', phaseMs, sockets, got);
    log(`  still: health p50 ${quantile(still.healthMs, 0.5).toFixed(1)} ms`);
    stops.push(walk(sockets[0]!, places[0]!, held.get(places[0]!.name)!, 1000 / FAST_PHONE_PER_S));
    const fast = await measure(svc.base, `one phone at ${FAST_PHONE_PER_S}/s`, phaseMs, sockets, got);
    log(`  one fast phone: health p50 ${quantile(fast.healthMs, 0.5).toFixed(1)} ms`);
    for (let i = 1; i < OFFICERS; i++) stops.push(walk(sockets[i]!, places[i]!, held.get(places[i]!.name)!, 1000));
    const moving = await measure(svc.base, `all ${OFFICERS} moving`, phaseMs, sockets, got);
    log(`  all moving: health p50 ${quantile(moving.healthMs, 0.5).toFixed(1)} ms`);

    const q = (p: Phase, x: number) => quantile(p.healthMs, x);
    const base = (name: string, value: number) => ({ name, value });
    const figures = [fast, moving].flatMap((p) => [
      figure(`GET /api/health p50, ${p.name}`, 'ms', q(p, 0.5), base(still.name, q(still, 0.5))),
      figure(`GET /api/health p99, ${p.name}`, 'ms', q(p, 0.99), base(still.name, q(still, 0.99))),
      figure(`event-loop delay p99, ${p.name}`, 'ms', p.loop.p99, base(still.name, still.loop.p99)),
      figure(`drones marked link lost, ${p.name}`, 'drones', p.dronesLost, base(still.name, still.dronesLost), { text: 'none', met: p.dronesLost === 0 }),
    ]);
    return {
      name: 'officers-moving',
      title: `Officers moving: ${ALERTS} open ground alerts, ${OFFICERS} phones sending locations`,
      figures,
      notes: [
        `${ALERTS} open alerts (${OFFICERS} accepted, one per officer; the rest offered and unanswered), escalation off; each phase ${
          phaseMs / 1000
        } s of GET /api/health one after another.`,
        `Phases in order, one service: phones still (baseline), then officer1 sends ${FAST_PHONE_PER_S} locations a second, then all ${OFFICERS} move (the others once a second each).`,
        `Event-loop delay: the service's own monitor (prom-client, 10 ms resolution), read from /metrics at the start and end of each phase. Max delay: ${
          [still, fast, moving].map((p) => `${p.name} ${p.loop.max.toFixed(0)} ms`).join(', ')
        }.`,
        `Connecting the ${OFFICERS} phones (20 at a time: connect, on duty, first location, each answered) took ${connectS.toFixed(1)} s.`,
        `Health requests that took over 10 s: ${
          [still, fast, moving].map((p) => `${p.name} ${p.timeouts}`).join(', ')
        }. Phones connected at the end of each phase: ${[still, fast, moving].map((p) => `${p.name} ${p.phones}`).join(', ')}.`,
        `Reaching the command room a second (ground-alert views / officer positions): ${
          [still, fast, moving].map((p) => `${p.name} ${p.roomPerS.alerts?.toFixed(0)} / ${p.roomPerS.officers?.toFixed(0)}`).join(', ')
        }.`,
      ],
      detail: {
        phases: [still, fast, moving].map((p) => ({
          ...p,
          healthMs: undefined,
          p50: q(p, 0.5),
          p99: q(p, 0.99),
          max: Math.max(...p.healthMs),
          samples: p.healthMs.length,
        })),
      },
    };
  } catch (err) {
    throw new Error(`${(err as Error).message}\nservice output (last 3000 characters):\n${svc.output().slice(-3000)}`);
  } finally {
    for (const stop of stops) stop();
    for (const s of sockets) s.close();
    await svc.stop();
  }
};

export default bench;
