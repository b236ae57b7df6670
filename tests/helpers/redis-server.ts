/**
 * Redis for the city tests: this machine's (127.0.0.1:6379, or SKYBEAT_TEST_REDIS), and private
 * redis-server processes that a test may kill and start again on the same port, to see the city
 * ride out a Redis restart without ever touching the machine's own.
 *
 *   describe.skipIf(!redisAnswers)(`… ${redisSkipReason}`, …)
 *   describe.skipIf(!hasRedisServer)(`… ${redisServerSkipReason}`, …)
 *   const redis = await startRedis(); … await redis.stop(); … await redis.start(); … await redis.close();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { reapOnExit } from './reap.ts';

/** This machine's Redis; another with SKYBEAT_TEST_REDIS. */
export const REDIS_URL = process.env.SKYBEAT_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** PING the Redis at url: its answer ("PONG"), or an error that names the URL. */
export async function pingRedis(url: string, timeoutMs = 2000): Promise<string> {
  // No retries and no queue: a Redis that is away must say so now, not after ioredis's back-off.
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {}); // the failure is reported by connect()/ping() below
  try {
    await client.connect();
    return await client.ping();
  } catch (err) {
    throw new Error(`Redis at ${url} does not answer PING: ${(err as Error).message}`);
  } finally {
    client.disconnect();
  }
}

export const redisAnswers = await pingRedis(REDIS_URL).then(() => true, () => false);
if (!redisAnswers && process.env.CI) {
  throw new Error(`CI: Redis must answer at ${REDIS_URL} (the city tests run against it there)`);
}
/** What a skipped test's name adds when this machine's Redis is away. */
export const redisSkipReason = redisAnswers ? '' : `(skipped: Redis does not answer at ${REDIS_URL})`;

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  return null;
}

/** Debian's redis-server (package redis-server), for tests that restart their own Redis. */
export const REDIS_SERVER = onPath('redis-server');
export const hasRedisServer = REDIS_SERVER !== null;
if (!hasRedisServer && process.env.CI) {
  throw new Error('CI: the redis-server binary must be on PATH (Debian package redis-server): the Redis restart tests run there');
}
export const redisServerSkipReason = hasRedisServer ? '' : '(skipped: no redis-server binary on PATH; Debian package redis-server)';

/** A loopback TCP port nobody listens on this instant. */
export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrivateRedis {
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  running(): boolean;
  /** end it: 'kill' is SIGKILL (a crash, the default), 'shutdown' is SHUTDOWN NOSAVE (an orderly stop); nothing is kept either way */
  stop(how?: 'kill' | 'shutdown'): Promise<void>;
  /** start it again on the same port, empty; resolves once it accepts connections */
  start(): Promise<void>;
  /** everything it printed, all runs */
  output(): string;
  /** stop it and remove its folder */
  close(): Promise<void>;
}

const READY = /Ready to accept connections/;
const START_TIMEOUT_MS = 10_000;

/** A redis-server of the test's own on a free loopback port, keeping nothing on disk. */
export async function startRedis(): Promise<PrivateRedis> {
  if (!REDIS_SERVER) throw new Error(`startRedis: ${redisServerSkipReason}; guard the test with hasRedisServer`);
  const binary = REDIS_SERVER;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-redis-'));
  let all = '';
  let proc: { child: ChildProcess; exited: Promise<void> } | null = null;

  const launch = async (port: number) => {
    const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    reapOnExit(child);
    let out = '';
    const keep = (d: Buffer) => {
      out += d;
      all += d;
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const end = Date.now() + START_TIMEOUT_MS;
    while (!READY.test(out)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server on port ${port} exited before it was ready:\n${out}`);
      if (Date.now() > end) {
        child.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} not ready after ${START_TIMEOUT_MS} ms:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    proc = { child, exited };
  };

  // The free port can be taken between the look and redis-server's bind: then try another.
  let port = 0;
  for (let attempt = 1;; attempt++) {
    port = await freeTcpPort();
    try {
      await launch(port);
      break;
    } catch (err) {
      if (attempt === 3 || !/Address already in use/.test((err as Error).message)) throw err;
    }
  }

  const stop = async (how: 'kill' | 'shutdown' = 'kill') => {
    const p = proc;
    if (!p) return;
    proc = null;
    if (how === 'kill') p.child.kill('SIGKILL');
    else {
      const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => {});
      // The server closes the connection instead of answering: that is the success.
      await client.call('SHUTDOWN', 'NOSAVE').catch(() => {});
      client.disconnect();
    }
    await p.exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    running: () => proc !== null,
    stop,
    async start() {
      if (proc) throw new Error(`redis-server on port ${port} is already running`);
      await launch(port);
    },
    output: () => all,
    async close() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
