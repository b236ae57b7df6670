/**
 * Fleet fan-out: 250 drones (5 UDP links × 50 sysids, each drone its own socket) at 10 Hz
 * position plus their other streams, 20 logged-in map clients. The service runs as its own
 * process; we read its CPU and memory from /proc and the age of each position at the clients.
 * Baseline: the bare relay (bench/lib/bare-server.ts) batching every 250 ms; a second bare run
 * with 25 ms batches shows what short fixed batches cost and gain.
 */
import { dataDirWithAccounts, freeUdpPorts, procStats, startServiceProcess } from './lib/service-process.ts';
import { startBareServer } from './lib/bare-server.ts';
import { startSwarm, type SwarmStats } from './lib/drone-swarm.ts';
import { mapClients } from './lib/map-clients.ts';
import { figure, quantile, median, type Bench, type Figure } from './lib/report.ts';

const LINKS = 5;
const PER_LINK = 50;
const CLIENTS = 20;

interface Target {
  name: string;
  start(): Promise<{ pid: number; base: string; udpPorts: number[]; auths: Record<string, string>[]; check(): Promise<string>; stop(): Promise<void> }>;
}

const skybeat: Target = {
  name: 'SkyBeat',
  async start() {
    const names = Array.from({ length: CLIENTS }, (_, i) => `map${i + 1}`);
    const { dataDir, tokens } = await dataDirWithAccounts(names.map((name) => ({ name, roles: ['command'] })));
    const udpPorts = await freeUdpPorts(LINKS);
    const svc = await startServiceProcess(udpPorts.flatMap((p) => ['--link', `udpin://127.0.0.1:${p}`]), dataDir);
    const token = tokens.get('map1')!;
    return {
      pid: svc.pid,
      base: svc.base,
      udpPorts,
      auths: names.map((n) => ({ token: tokens.get(n)! })),
      async check() {
        const views = await (await fetch(`${svc.base}/api/vehicles`, { headers: { authorization: `Bearer ${token}` } })).json() as {
          link: { lost: boolean };
        }[];
        return `${views.length} vehicles in GET /api/vehicles, ${views.filter((v) => v.link.lost).length} lost`;
      },
      stop: () => svc.stop(),
    };
  },
};

const bare = (batchMs: number): Target => ({
  name: `bare relay (${batchMs} ms batches)`,
  async start() {
    const b = await startBareServer({ udpPorts: LINKS, batchMs });
    return { ...b, auths: Array.from({ length: CLIENTS }, (_, i) => ({ name: `map${i + 1}` })), check: async () => '', stop: () => b.stop() };
  },
});

interface Run {
  target: string;
  p50: number;
  p99: number;
  max: number;
  cpuCores: number;
  rssMb: number;
  batchesPerClientS: number;
  /** the measuring side: its CPU (cores) and event-loop delay p99, which inflates the ages it sees */
  clientCores: number;
  clientLoopDelayP99Ms: number;
  swarm: SwarmStats;
  check: string;
}

async function runOnce(t: Target, warmupS: number, windowS: number, log: (l: string) => void): Promise<Run> {
  const srv = await t.start();
  const clients = await mapClients(srv.base, srv.auths);
  const swarm = await startSwarm(srv.udpPorts.map((port) => ({ port, sysids: Array.from({ length: PER_LINK }, (_, i) => i + 1) })));
  try {
    const until = Date.now() + warmupS * 1000;
    while (Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    if (clients.seen() < LINKS * PER_LINK) log(`  ${t.name}: only ${clients.seen()} vehicles reached the clients after ${warmupS} s warm-up`);
    const s0 = procStats(srv.pid);
    const t0 = Date.now();
    let rssMax = s0.rssBytes;
    clients.record();
    while (Date.now() - t0 < windowS * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      rssMax = Math.max(rssMax, procStats(srv.pid).rssBytes);
    }
    const s1 = procStats(srv.pid);
    const seconds = (Date.now() - t0) / 1000;
    const { ages, batches, clientCpuMs, clientLoopDelayP99Ms } = clients.results();
    const check = await srv.check();
    const stats = await swarm.stop();
    const run: Run = {
      target: t.name,
      p50: quantile(ages, 0.5),
      p99: quantile(ages, 0.99),
      max: quantile(ages, 1),
      cpuCores: (s1.cpuMs - s0.cpuMs) / 1000 / seconds,
      rssMb: rssMax / 2 ** 20,
      batchesPerClientS: batches / CLIENTS / seconds,
      clientCores: clientCpuMs / 1000 / seconds,
      clientLoopDelayP99Ms,
      swarm: stats,
      check,
    };
    log(
      `  ${t.name}: p50 ${run.p50} ms, p99 ${run.p99} ms, CPU ${(run.cpuCores * 100).toFixed(1)} % of a core, RSS ${run.rssMb.toFixed(0)} MB, ${
        run.batchesPerClientS.toFixed(2)
      } batches/s per client; clients used ${(run.clientCores * 100).toFixed(0)} % of a core, their loop delay p99 ${
        run.clientLoopDelayP99Ms.toFixed(0)
      } ms; ${check}`,
    );
    return run;
  } finally {
    clients.close();
    await srv.stop();
  }
}

const bench: Bench = async ({ quick, log }) => {
  const rounds = quick ? 1 : 3;
  const [warmupS, windowS] = quick ? [6, 10] : [8, 30];
  const targets = [skybeat, bare(250), bare(25)];
  const runs: Run[] = [];
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(i + k) % targets.length]!;
      log(`fanout: round ${i + 1}, ${t.name}, ${LINKS * PER_LINK} drones, ${CLIENTS} clients, ${windowS} s`);
      runs.push(await runOnce(t, warmupS, windowS, log));
    }
  }
  const m = (name: string, k: keyof Run) => median(runs.filter((r) => r.target === name).map((r) => r[k] as number));
  const b = (name: string, k: keyof Run) => ({ name: name, value: m(name, k) });
  const [S, B, B25] = targets.map((t) => t.name) as [string, string, string];
  const figures: Figure[] = [
    figure('packet arrival → map client, p50', 'ms', m(S, 'p50'), b(B, 'p50')),
    figure('packet arrival → map client, p99', 'ms', m(S, 'p99'), b(B, 'p99'), { text: 'p99 < 50 ms', met: m(S, 'p99') < 50 }),
    figure('service CPU', 'cores', m(S, 'cpuCores'), b(B, 'cpuCores'), { text: '< 0.25 of a core', met: m(S, 'cpuCores') < 0.25 }),
    figure('service memory (max RSS)', 'MB', m(S, 'rssMb'), b(B, 'rssMb')),
    figure('what-if: bare relay with 25 ms batches, p99', 'ms', m(B25, 'p99'), b(B, 'p99'), { text: 'p99 < 50 ms', met: m(B25, 'p99') < 50 }),
    figure('what-if: bare relay with 25 ms batches, CPU', 'cores', m(B25, 'cpuCores'), b(B, 'cpuCores')),
  ];
  return {
    name: 'fanout',
    title: `Fleet fan-out: ${LINKS * PER_LINK} drones → ${CLIENTS} map clients`,
    figures,
    notes: [
      `${LINKS} udpin links × ${PER_LINK} sysids, each drone its own UDP socket: HEARTBEAT 1 Hz, GLOBAL_POSITION_INT 10 Hz, ATTITUDE 10 Hz, 7 more streams at 1-4 Hz (~42 packets/s per drone).`,
      'Latency = the age of each vehicle position when its update batch reaches a client (sender clock in the altitude); CPU from /proc/PID/stat of the service process over the window.',
      'SkyBeat (server/http/live.ts) sends each vehicle at most every 250 ms, within one 25 ms tick of the first fresh position after it is due; other changes wait at most 250 ms more for one. The baseline relays every changed vehicle in fixed 250 ms batches; the 25 ms bare relay shows what short fixed batches do.',
    ],
    detail: { runs },
  };
};

export default bench;
