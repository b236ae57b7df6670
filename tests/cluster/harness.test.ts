/**
 * The city harness itself (tests/helpers/cluster.ts, redis-server.ts, sim-drones.ts): that it runs
 * real nodes on one store, kills and restarts them, restarts a Redis of its own on the same port,
 * and brings standalone simulated drones to a node. The cross-node tests stand on these.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { POSTGRES_URL, postgresAnswers } from '../helpers/backends.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { startCity } from '../helpers/cluster.ts';
import { hasRedisServer, pingRedis, REDIS_URL, redisAnswers, redisServerSkipReason, redisSkipReason, startRedis } from '../helpers/redis-server.ts';
import { freeUdpPort, startSimDrones } from '../helpers/sim-drones.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

/** The pids of the processes whose command line names text. */
function processesNaming(text: string): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false; // ended meanwhile
    }
  }).map(Number);
}
const pgSkip = postgresAnswers ? '' : `(skipped: PostgreSQL does not answer at ${POSTGRES_URL})`;

/** GET /api/health: its JSON, or the reason it could not be had (a refused connection). */
async function health(url: string): Promise<{ status: string; store: { database: string } } | string> {
  try {
    const res = await fetch(`${url}/api/health`);
    return await res.json() as { status: string; store: { database: string } };
  } catch (err) {
    return String((err as Error & { cause?: { code?: string } }).cause?.code ?? err);
  }
}

describe.skipIf(!postgresAnswers)(`a city of SkyBeat processes on one PostgreSQL schema, without Redis ${pgSkip}`, () => {
  it('both nodes serve /api/health on PostgreSQL, and share its accounts and sessions', async () => {
    const city = await startCity({ nodes: [{ name: 'a' }, { name: 'b' }], redis: null, cleanup });
    const [a, b] = city.nodes as [(typeof city.nodes)[0], (typeof city.nodes)[0]];
    expect(a.port).not.toBe(b.port);
    for (const n of city.nodes) expect(await health(n.url)).toMatchObject({ status: 'ok', store: { database: 'postgres' } });

    // An account added through a's API logs in on b, and a session from a is good on b: one store.
    const pilot = await city.addUser('a', 'pilot7', ['pilot']);
    expect((await city.api('b', 'GET', '/api/me', pilot)).body).toMatchObject({ name: 'pilot7', roles: ['pilot'] });
    expect((await city.login('b', 'pilot7', 'pilot7-password')).token).not.toBe(pilot.token);
    // The cookie form is accepted too (as a browser sends it).
    const byCookie = await fetch(`${b.url}/api/me`, { headers: { cookie: pilot.cookie } });
    expect(byCookie.status).toBe(200);

    // …and the socket.io form.
    const socket = city.socket(b, pilot);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  });

  it('three nodes started at once on a fresh schema all come up, and the first account is made once', async () => {
    // As a deployment starts them (docker compose): migrations and the first-start account race.
    const city = await startCity({ nodes: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], redis: null, cleanup });
    const admin = await city.login('c');
    type Entry = { action: string; target: string | null };
    const made = await waitFor('the first account in the audit', async () => {
      const entries = (await city.api('b', 'GET', '/api/audit', admin)).body as Entry[];
      const adds = entries.filter((e) => e.action === 'user.add' && e.target === 'admin');
      return adds.length > 0 && adds;
    });
    expect(made).toHaveLength(1);
    expect(city.nodes.filter((n) => /Created the first account/.test(n.output())).map((n) => n.name)).toHaveLength(1);
  });

  it('kill9() ends one node at once while the other keeps answering; restart() brings it back on the same URL; stop() is SIGTERM, exit 0', async () => {
    const city = await startCity({ nodes: [{ name: 'a' }, { name: 'b' }], redis: null, cleanup });
    const a = city.node('a');
    const b = city.node('b');
    const admin = await city.login(a);

    await a.kill9();
    expect(a.running()).toBe(false);
    expect(await health(a.url)).toBe('ECONNREFUSED');
    expect(await health(b.url)).toMatchObject({ status: 'ok' });
    expect(a.output()).not.toMatch(/stopping/); // killed: its own shutdown never ran

    await a.restart();
    expect(a.running()).toBe(true);
    expect(await health(a.url)).toMatchObject({ status: 'ok' });
    // The session made before the kill is kept in the store, not in the process.
    expect((await city.api(a, 'GET', '/api/me', admin)).status).toBe(200);
    expect(a.allOutput().match(/=== node a, run \d ===/g)).toEqual(['=== node a, run 1 ===', '=== node a, run 2 ===']);

    expect(await b.stop()).toBe(0);
    expect(b.output()).toMatch(/SIGTERM: stopping/);
    expect(await health(b.url)).toBe('ECONNREFUSED');
    expect(await health(a.url)).toMatchObject({ status: 'ok' });
  });

  it('a node that cannot start fails startCity naming the node and saying why, and leaves none running', async () => {
    const error = await startCity({ nodes: [{ name: 'good' }, { name: 'bad', links: ['carrier-pigeon://roof'] }], redis: null }).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(error).toMatch(/1 of 2 nodes did not start:\nnode bad \(.*bad\.config\.json\): exited \(2\) before listening:[\s\S]*carrier-pigeon/);
    // The good one, started beside it, was ended with it: no process still runs on the city's files.
    const root = path.dirname(/node bad \((\S+)\)/.exec(error!)![1]!);
    expect(fs.existsSync(root)).toBe(false);
    expect(processesNaming(root)).toEqual([]);
  });

  it('simulated drones in a process of their own reach a node: over udpout to its udpin, and over its tcpout to their tcpin', async () => {
    const port = await freeUdpPort();
    const listening = await startSimDrones({ count: 2, link: 'tcpin://127.0.0.1:0', sysidBase: 11, seed: 5, cleanup });
    expect(listening.sysids).toEqual([11, 12]);
    expect(listening.seed).toBe(5);
    expect(listening.nodeLinks).toEqual(listening.ports.map((p) => `tcpout://127.0.0.1:${p}`));
    const sending = await startSimDrones({ count: 2, link: `udpout://127.0.0.1:${port}`, cleanup });
    expect(sending.ports).toEqual([]);
    expect((await sending.status()).map((d) => d.sysid)).toEqual([1, 2]);

    const city = await startCity({ nodes: [{ name: 'a', links: [`udpin://127.0.0.1:${port}`, ...listening.nodeLinks] }], redis: null, cleanup });
    const admin = await city.login('a');
    const sysids = await waitFor('the four drones on node a', async () => {
      const seen = ((await city.api('a', 'GET', '/api/vehicles', admin)).body as { sysid: number }[]).map((v) => v.sysid).sort((x, y) => x - y);
      return seen.length === 4 && seen;
    }, 30_000);
    expect(sysids).toEqual([1, 2, 11, 12]);

    await sending.close();
    expect(sending.output()).toMatch(/sim: 2 drone\(s\) on udpout/);
  });
});

describe.skipIf(!postgresAnswers || !hasRedisServer)(`a city of SkyBeat processes with Redis ${pgSkip || redisServerSkipReason}`, () => {
  it('the nodes join one city on the given Redis, with their names and the secret', async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.close());
    const city = await startCity({ nodes: [{ name: 'hf' }, { name: 'centre' }], redis: redis.url, cleanup });
    expect(city.secret.length).toBeGreaterThanOrEqual(16);
    for (const n of city.nodes) {
      expect(n.output()).toContain(`node ${n.name} of the city on ${redis.url}`);
      expect(await health(n.url)).toMatchObject({ status: 'ok', store: { database: 'postgres' } });
    }
    // Connected to the Redis they were given: each node's connections besides this one of the test's.
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    cleanup.push(() => client.disconnect());
    const others = async () => (String(await client.call('CLIENT', 'LIST')).trim().split('\n').length - 1);
    await waitFor('a connection from each node', async () => (await others()) >= city.nodes.length);
  });
});

describe.skipIf(!hasRedisServer)(`a private redis-server ${redisServerSkipReason}`, () => {
  it('answers PING; after stop() (SIGKILL) it does not; start() brings it back on the same port, empty', async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.close());
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.port).not.toBe(6379);
    expect(await pingRedis(redis.url)).toBe('PONG');
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    cleanup.push(() => client.disconnect());
    await client.set('kept?', 'no');

    await redis.stop();
    expect(redis.running()).toBe(false);
    await expect(pingRedis(redis.url)).rejects.toThrow(new RegExp(`Redis at redis://127\\.0\\.0\\.1:${redis.port} does not answer PING`));

    await redis.start();
    expect(await pingRedis(redis.url)).toBe('PONG');
    expect(await client.get('kept?')).toBeNull(); // a long-lived client reconnects by itself, to an empty Redis
    await expect(redis.start()).rejects.toThrow(/already running/);
  });

  it('stop("shutdown") ends it with SHUTDOWN NOSAVE, and close() removes it', async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.close());
    await redis.stop('shutdown');
    expect(redis.output()).toMatch(/User requested shutdown/);
    await expect(pingRedis(redis.url)).rejects.toThrow(/does not answer PING/);
  });
});

describe.skipIf(!redisAnswers)(`this machine's Redis ${redisSkipReason}`, () => {
  it(`answers PING at ${REDIS_URL}`, async () => {
    expect(await pingRedis(REDIS_URL)).toBe('PONG');
  });
});
