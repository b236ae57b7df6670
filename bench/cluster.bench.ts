/**
 * A city: three SkyBeat nodes as real processes on this machine's PostgreSQL and Redis, 300
 * drones (100 on each node's own udpin link, from the bench's drone swarm: each drone its own UDP
 * socket, ~42 packets/s), 100 map clients spread over the nodes. Measured, each beside a baseline
 * taken in the same run:
 * - a drone's view at a map client: on another node (carried over the Redis bus) against on the
 *   client's own node;
 * - each node's CPU with the map clients against with its drones alone;
 * - a routed command (POST /api/vehicles/:id/control take, release, sent to a node that does not
 *   serve the drone) against the same command on the drone's own node;
 * - failover: a link configured on two nodes, the holder killed -9, until its drones are live again
 *   on a third node's socket, against the lease's TTL.
 */
import { LEASE_RENEW_MS, LEASE_TTL_MS } from '../server/cluster/leases.ts';
import fs from 'node:fs';
import os from 'node:os';
import { POSTGRES_URL, postgresAnswers } from '../tests/helpers/backends.ts';
import { type City, type CityNode, servesLink, type Session, startCity } from '../tests/helpers/cluster.ts';
import { REDIS_URL, redisAnswers } from '../tests/helpers/redis-server.ts';
import { startCityClients, type CityClientsResults } from './lib/city-clients.ts';
import { startSwarm } from './lib/drone-swarm.ts';
import { figure, median, quantile, type Bench, type Figure } from './lib/report.ts';
import { freeUdpPorts, procStats } from './lib/service-process.ts';
import type { VehicleView } from '../server/wire/types.ts';

/** The lease a network link is served under (server/cluster/leases.ts): another node takes it this long after its holder died. */
const LEASE_TTL_S = LEASE_TTL_MS / 1000;
/** …renewed (and tried by the others) this often */
const RENEW_S = LEASE_RENEW_MS / 1000;
const FAILOVER_LINK = 'f1';
const FAILOVER_DRONES = 4;
const NODES = ['a', 'b', 'c'] as const;
const linkOf = (node: string) => `${node}1`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`cluster bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The pid of a node's current process: the one whose command line names its config file. */
function pidOf(node: CityNode): number {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(node.configFile)) return Number(d);
    } catch {
      // ended meanwhile
    }
  }
  throw new Error(`cluster bench: no process runs node ${node.name} (${node.configFile})`);
}

async function vehicles(city: City, node: string, session: Session): Promise<VehicleView[]> {
  const r = await city.api(node, 'GET', '/api/vehicles', session);
  if (r.status !== 200) throw new Error(`GET /api/vehicles on ${node}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as VehicleView[];
}

interface CommandTimes {
  local: number[];
  routed: number[];
  refused: string[];
}

/** take + release of one drone, alternately on its own node and through another; each request timed. */
async function commandRoundTrips(city: City, pilot: Session, drone: string, own: string, via: string, pairs: number): Promise<CommandTimes> {
  const times: CommandTimes = { local: [], routed: [], refused: [] };
  const once = async (node: string, into: number[]) => {
    for (const action of ['take', 'release']) {
      const t0 = performance.now();
      const r = await city.api(node, 'POST', `/api/vehicles/${drone}/control`, pilot, { action });
      const ms = performance.now() - t0;
      if (r.status === 200) into.push(ms);
      else times.refused.push(`${action} on ${node}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  };
  for (let i = 0; i < pairs; i++) {
    // Alternate which goes first, so neither always meets a cache the other warmed.
    if (i % 2) {
      await once(own, times.local);
      await once(via, times.routed);
    } else {
      await once(via, times.routed);
      await once(own, times.local);
    }
  }
  return times;
}

interface Failover {
  killed: string;
  took: string;
  /** kill -9 → the first failover drone live again at the third node's socket (s) */
  firstS: number;
  /** … every failover drone live again (s) */
  allS: number;
}

/** Kill the failover link's holder; the time until the third node (a) is sent its drones, heard after the kill. */
async function failoverOnce(city: City, observer: ReturnType<City['socket']>): Promise<Failover> {
  const holders = (['b', 'c'] as const).map((n) => city.node(n)).filter((n) => servesLink(n, FAILOVER_LINK));
  if (holders.length !== 1) throw new Error(`cluster bench: ${holders.length} nodes say they serve ${FAILOVER_LINK}: ${holders.map((h) => h.name).join(', ')}`);
  const holder = holders[0]!;
  const heardAfter = new Map<string, number>();
  let killAt = Infinity;
  const onUpdate = (views: VehicleView[]) => {
    const now = Date.now();
    for (const v of views) {
      if (v.id.startsWith(`${FAILOVER_LINK}-`) && !v.link.lost && v.link.lastHeard > killAt && !heardAfter.has(v.id)) heardAfter.set(v.id, now);
    }
  };
  observer.on('vehicles:update', onUpdate);
  try {
    killAt = Date.now();
    await holder.kill9();
    await until(
      `${FAILOVER_DRONES} ${FAILOVER_LINK} drones live again at node a after ${holder.name} was killed`,
      async () => heardAfter.size === FAILOVER_DRONES,
      60_000,
      50,
    );
  } finally {
    observer.off('vehicles:update', onUpdate);
  }
  const took = (['b', 'c'] as const).map((n) => city.node(n)).find((n) => servesLink(n, FAILOVER_LINK))?.name ?? '?';
  const times = [...heardAfter.values()].map((t) => (t - killAt) / 1000);
  return { killed: holder.name, took, firstS: Math.min(...times), allS: Math.max(...times) };
}

const bench: Bench = async ({ quick, log }) => {
  const title = 'A city: 3 nodes on PostgreSQL and Redis, drones and map clients spread over them';
  if (!postgresAnswers || !redisAnswers) {
    const why = !postgresAnswers ? `PostgreSQL does not answer at ${POSTGRES_URL}` : `Redis does not answer at ${REDIS_URL}`;
    log(`cluster: skipped: ${why}`);
    return { name: 'cluster', title, figures: [], notes: [`skipped: ${why}`] };
  }
  const perNode = quick ? 20 : 100;
  const clientCount = quick ? 12 : 100;
  const [settleS, baselineS, warmupS, windowS] = quick ? [2, 3, 2, 5] : [5, 10, 5, 30];
  const pairs = quick ? 10 : 100;
  const failoverRounds = quick ? 1 : 3;

  const ports = await freeUdpPorts(NODES.length + 1);
  const portOf = (node: string) => ports[NODES.indexOf(node as (typeof NODES)[number])]!;
  const failoverUri = `udpin://127.0.0.1:${ports[NODES.length]}`;
  const own = (node: string) => ({ id: linkOf(node), uri: `udpin://127.0.0.1:${portOf(node)}` });
  const t0 = Date.now();
  const city = await startCity({
    nodes: [
      { name: 'a', links: [own('a')] },
      // The failover link is configured on b and c: one serves it, the other waits for its lease.
      { name: 'b', links: [own('b'), { id: FAILOVER_LINK, uri: failoverUri }] },
      { name: 'c', links: [own('c'), { id: FAILOVER_LINK, uri: failoverUri }] },
    ],
    redis: REDIS_URL,
    config: { tiles: 'none' },
  });
  log(`cluster: 3 nodes up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const sysids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  let swarm: Awaited<ReturnType<typeof startSwarm>> | null = null;
  let clients: Awaited<ReturnType<typeof startCityClients>> | null = null;
  try {
    swarm = await startSwarm([...NODES.map((n) => ({ port: portOf(n), sysids: sysids(perNode) })), {
      port: ports[NODES.length]!,
      sysids: sysids(FAILOVER_DRONES),
    }]);
    const admin = await city.login('a');
    const total = NODES.length * perNode + FAILOVER_DRONES;
    await until(
      `all ${total} drones live at node a`,
      async () => {
        const vs = await vehicles(city, 'a', admin);
        return vs.filter((v) => !v.link.lost).length === total;
      },
      60_000,
      500,
    );
    const pids = Object.fromEntries(NODES.map((n) => [n, pidOf(city.node(n))]));
    const cpuOver = async (seconds: number) => {
      const s0 = Object.fromEntries(NODES.map((n) => [n, procStats(pids[n]!).cpuMs]));
      const start = Date.now();
      await sleep(seconds * 1000);
      const el = (Date.now() - start) / 1000;
      return Object.fromEntries(NODES.map((n) => [n, (procStats(pids[n]!).cpuMs - s0[n]!) / 1000 / el])) as Record<string, number>;
    };

    // Baseline: each node with its drones and the bus, no map client, once the drones' first alerts and tracks have settled.
    await sleep(settleS * 1000);
    const idleCpu = await cpuOver(baselineS);
    log(`cluster: drones only, CPU ${NODES.map((n) => `${n} ${(idleCpu[n]! * 100).toFixed(1)} %`).join(', ')} of a core`);

    clients = await startCityClients(
      Array.from({ length: clientCount }, (_, i) => {
        const node = NODES[i % NODES.length]!;
        return { url: city.node(node).url, token: admin.token, ownLink: linkOf(node) };
      }),
      [FAILOVER_LINK],
    );
    const c = clients;
    await until('every client sent every drone', async () => (await c.seen()) >= total, 30_000, 500);
    await sleep(warmupS * 1000);
    await c.record();
    const loadedCpu = await cpuOver(windowS);
    const ages: CityClientsResults = await c.results();
    // What else ran on the machine meanwhile (other tests, a build): the 1-minute load average at the window's end.
    const load = os.loadavg()[0]!;
    log(
      `cluster: ${clientCount} clients, ${windowS} s: node heard → client, same node p50 ${ages.local.heard.p50} / p99 ${ages.local.heard.p99} ms, other node p50 ${ages.remote.heard.p50} / p99 ${ages.remote.heard.p99} ms; drone sent → client, same ${ages.local.sent.p50} / ${ages.local.sent.p99}, other ${ages.remote.sent.p50} / ${ages.remote.sent.p99} ms; CPU ${
        NODES.map((n) => `${n} ${(loadedCpu[n]! * 100).toFixed(1)} %`).join(', ')
      }; clients' process ${(ages.cores * 100).toFixed(0)} % of a core, loop delay p99 ${ages.loopDelayP99Ms.toFixed(0)} ms`,
    );

    // Commands, with the clients still connected (the city under its map load).
    const pilot = await city.addUser('a', 'pilot1', ['pilot']);
    const cmd = await commandRoundTrips(city, pilot, `${linkOf('a')}-1`, 'a', 'b', pairs);
    if (cmd.refused.length) throw new Error(`cluster bench: ${cmd.refused.length} control requests refused, e.g. ${cmd.refused[0]}`);
    log(
      `cluster: control take/release, ${pairs} pairs: on its own node p50 ${quantile(cmd.local, 0.5).toFixed(1)} / p99 ${
        quantile(cmd.local, 0.99).toFixed(1)
      } ms; routed p50 ${quantile(cmd.routed, 0.5).toFixed(1)} / p99 ${quantile(cmd.routed, 0.99).toFixed(1)} ms`,
    );
    await c.close();
    clients = null;

    // Failover: the observer is node a's own socket, as a page there would be.
    const observer = city.socket('a', admin);
    await new Promise<void>((resolve, reject) => {
      observer.once('connect', resolve);
      observer.once('connect_error', reject);
    });
    const failovers: Failover[] = [];
    for (let round = 1; round <= failoverRounds; round++) {
      const f = await failoverOnce(city, observer);
      failovers.push(f);
      log(
        `cluster: failover ${round}: ${f.killed} killed -9, ${f.took} took ${FAILOVER_LINK}; first drone live at a after ${f.firstS.toFixed(2)} s, all after ${
          f.allS.toFixed(2)
        } s`,
      );
      if (round < failoverRounds) {
        // The killed node comes back and waits for the lease; the next round kills the one serving.
        await city.node(f.killed).restart();
        await sleep(3000);
      }
    }

    const firsts = failovers.map((f) => f.firstS);
    const alls = failovers.map((f) => f.allS);
    const added = ages.remote.heard.p99 - ages.local.heard.p99;
    const addedSent = ages.remote.sent.p99 - ages.local.sent.p99;
    const same = (v: number) => ({ name: 'same node', value: v });
    const figures: Figure[] = [
      figure('node heard → map client, drone on another node, p50', 'ms', ages.remote.heard.p50, same(ages.local.heard.p50)),
      figure('node heard → map client, drone on another node, p99', 'ms', ages.remote.heard.p99, same(ages.local.heard.p99), {
        text: '≤ 50 ms added',
        met: added <= 50,
      }),
      figure('drone sent → map client, another node, p50', 'ms', ages.remote.sent.p50, same(ages.local.sent.p50)),
      figure('drone sent → map client, another node, p99', 'ms', ages.remote.sent.p99, same(ages.local.sent.p99), {
        text: '≤ 50 ms added',
        met: addedSent <= 50,
      }),
      ...NODES.map((n) =>
        figure(`node ${n} CPU, ${perNode} drones + ${Math.ceil(clientCount / 3)} clients`, 'cores', loadedCpu[n]!, {
          name: 'its drones alone',
          value: idleCpu[n]!,
        })
      ),
      figure("control take/release routed to the drone's node, p50", 'ms', quantile(cmd.routed, 0.5), { name: 'own node', value: quantile(cmd.local, 0.5) }),
      figure("control take/release routed to the drone's node, p99", 'ms', quantile(cmd.routed, 0.99), { name: 'own node', value: quantile(cmd.local, 0.99) }),
      figure(`failover: kill -9 → drones live on a third node (median of ${failoverRounds})`, 's', median(alls), { name: 'lease TTL', value: LEASE_TTL_S }, {
        text: '≤ 10 s',
        met: Math.max(...alls) <= 10,
      }),
    ];
    return {
      name: 'cluster',
      title,
      figures,
      notes: [
        `3 nodes (server/main.ts, each its own process) on one PostgreSQL schema and this machine's Redis; ${perNode} drones on each node's own udpin link and ${FAILOVER_DRONES} on a link configured on b and c, all from one drone-swarm process (each drone its own UDP socket, ~42 packets/s); ${clientCount} socket.io map clients in a process of their own, spread evenly over the nodes, all logged in.`,
        'Ages on receipt, on this machine\'s one clock: "node heard" from VehicleView.link.lastHeard (when the serving node heard the latest packet), "drone sent" from the send time the swarm writes into the altitude. "Another node" is every view of a drone served elsewhere, carried over the Redis bus.',
        `Node CPU from /proc/PID/stat over the ${windowS} s window; baseline over ${baselineS} s before any client connected. Redis is shared and not counted per node.`,
        `Control: POST /api/vehicles/a1-1/control take then release by a pilot, ${pairs} pairs, on node a (which serves a1) and through node b (forwarded over the bus, claimed once in PostgreSQL); each request timed on its own; the map clients still connected.`,
        `Failover: the node serving ${FAILOVER_LINK} killed -9; the time until node a's socket is sent every ${FAILOVER_LINK} drone heard after the kill (first drone: ${
          firsts.map((s) => s.toFixed(2)).join(', ')
        } s; all: ${
          alls.map((s) => s.toFixed(2)).join(', ')
        } s). The lease lasts ${LEASE_TTL_S} s from the start of the holder's last renewal (every ${RENEW_S} s) and the others try every ${RENEW_S} s: so ${
          LEASE_TTL_S - RENEW_S
        }-${LEASE_TTL_S + RENEW_S} s by design, plus the drones' next packet and the views' next tick.`,
        `The clients' process used ${(ages.cores * 100).toFixed(0)} % of a core (event-loop delay p99 ${
          ages.loopDelayP99Ms.toFixed(0)
        } ms), inflating both classes of ages alike; the machine has ${os.cpus().length} cores for all of it, and its 1-minute load average at the window's end was ${
          load.toFixed(1)
        } (the nodes, Redis, PostgreSQL, the swarm, the clients and whatever else ran).`,
      ],
      detail: { ages, loadAverage: load, idleCpu, loadedCpu, commands: cmd, failovers },
    };
  } finally {
    await clients?.close();
    await swarm?.stop();
    await city.close();
  }
};

export default bench;
