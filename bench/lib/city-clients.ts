/**
 * Command-room map clients spread over a city's nodes, in a process of their own: a hundred
 * socket.io clients parse some hundred thousand vehicle views a second, which would delay the
 * bench's own timings (command round trips, failover) if they shared its event loop.
 *
 * Each client sorts every view it is sent into "a drone of its own node" or "a drone of another
 * node" (by the drone's link id) and takes two ages on receipt, both on this machine's one clock:
 * - heard: now − link.lastHeard, when the serving node heard the drone's latest packet;
 * - sent: the age the drone swarm wrote into the position's altitude (drone-swarm.ts), from the
 *   datagram's sending, so the UDP hop and the node's intake are in it too.
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { io as connect, type Socket } from 'socket.io-client';
import type { VehicleView } from '../../server/wire/types.ts';
import { ageMs } from './drone-swarm.ts';
import { quantile } from './report.ts';

export interface CityClient {
  url: string;
  token: string;
  /** the link id whose drones this client's node serves ("a1": a1-1, a1-2, …) */
  ownLink: string;
}

export interface AgeSummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface CityClientsResults {
  /** per class: ages from the node hearing the packet, and from the swarm sending it (ms) */
  local: { heard: AgeSummary; sent: AgeSummary };
  remote: { heard: AgeSummary; sent: AgeSummary };
  /** update batches received per client per second over the window */
  batchesPerClientS: number;
  /** the clients' process: CPU in cores over the window, and its event-loop delay p99 (ms) */
  cores: number;
  loopDelayP99Ms: number;
}

type Request = { start: { clients: CityClient[]; ignore: string[] } } | 'record' | 'results' | 'seen' | 'stop';

/** Start the clients in a child process; resolves once every one has connected. */
export async function startCityClients(clients: CityClient[], ignoreLinks: string[] = []) {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  let pending: ((m: unknown) => void) | null = null;
  child.on('message', (m) => {
    const p = pending;
    pending = null;
    p?.(m);
  });
  const ask = <T>(req: Request): Promise<T> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`city map clients exited ${code}`));
      child.once('exit', onExit);
      pending = (m) => {
        child.off('exit', onExit);
        if (typeof m === 'object' && m !== null && 'error' in m) reject(new Error(String((m as { error: unknown }).error)));
        else resolve(m as T);
      };
      child.send(req);
    });
  await ask<'ready'>({ start: { clients, ignore: ignoreLinks } });
  return {
    /** how many distinct drones each client has been sent so far (the fewest of all) */
    seen: () => ask<number>('seen'),
    /** start the measuring window: forget what came before */
    record: () => ask<'recording'>('record'),
    results: () => ask<CityClientsResults>('results'),
    async close(): Promise<void> {
      if (child.exitCode !== null) return;
      await ask<'stopped'>('stop').catch(() => {});
    },
  };
}

const summary = (xs: number[]): AgeSummary => ({ count: xs.length, p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: quantile(xs, 1) });

async function runChild(clients: CityClient[], ignore: string[]): Promise<void> {
  let recording = false;
  let since = Date.now();
  let batches = 0;
  const ages = { local: { heard: [] as number[], sent: [] as number[] }, remote: { heard: [] as number[], sent: [] as number[] } };
  const seen = clients.map(() => new Set<string>());
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  let cpu0 = process.cpuUsage();
  const linkOf = (id: string) => id.slice(0, id.lastIndexOf('-'));
  const sockets: Socket[] = await Promise.all(clients.map((c, i) =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(c.url, { auth: { token: c.token }, transports: ['websocket'], reconnection: false });
      s.on('vehicles:update', (views: VehicleView[]) => {
        const now = Date.now();
        for (const v of views) {
          seen[i]!.add(v.id);
          const link = linkOf(v.id);
          if (!recording || ignore.includes(link)) continue;
          const into = link === c.ownLink ? ages.local : ages.remote;
          into.heard.push(now - v.link.lastHeard);
          if (v.position) into.sent.push(ageMs(v.position.altMsl, now));
        }
        if (recording) batches++;
      });
      s.once('connect', () => resolve(s));
      s.once('connect_error', (e) => reject(new Error(`map client on ${c.url}: ${e.message}`)));
    })
  ));
  process.on('message', (m: Request) => {
    if (m === 'seen') process.send!(Math.min(...seen.map((s) => s.size)));
    else if (m === 'record') {
      for (const k of [ages.local, ages.remote]) {
        k.heard.length = 0;
        k.sent.length = 0;
      }
      batches = 0;
      since = Date.now();
      loopDelay.reset();
      loopDelay.enable();
      cpu0 = process.cpuUsage();
      recording = true;
      process.send!('recording');
    } else if (m === 'results') {
      recording = false;
      loopDelay.disable();
      const c = process.cpuUsage(cpu0);
      const seconds = (Date.now() - since) / 1000;
      process.send!(
        {
          local: { heard: summary(ages.local.heard), sent: summary(ages.local.sent) },
          remote: { heard: summary(ages.remote.heard), sent: summary(ages.remote.sent) },
          batchesPerClientS: batches / clients.length / seconds,
          cores: (c.user + c.system) / 1000 / 1000 / seconds,
          loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        } satisfies CityClientsResults,
      );
    } else if (m === 'stop') {
      for (const s of sockets) s.close();
      process.send!('stopped', () => process.exit(0));
    }
  });
  process.send!('ready');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once('message', (m: Request) => {
    if (typeof m !== 'object' || !('start' in m)) return;
    runChild(m.start.clients, m.start.ignore).catch((err: Error) => process.send!({ error: err.message }, () => process.exit(1)));
  });
}
