/**
 * A city of real SkyBeat processes: N nodes (server/main.ts, each its own process) on one
 * PostgreSQL schema and, when given, one Redis; each with its own data folder and config file.
 *
 *   const cleanup = cleanupAfterEach();
 *   const city = await startCity({ nodes: [{ name: 'a', links: [{ id: 'hf1', uri }] }, { name: 'b' }], redis: REDIS_URL, cleanup });
 *   const admin = await city.login('a');                  // a session is good on every node (sessions are in the store)
 *   const s = city.socket('b', admin);                    // socket.io-client on node b
 *   await city.node('a').kill9();  …  await city.node('a').restart();
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connectSocket, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { SESSION_COOKIE } from '../../server/http/auth.ts';
import { dropSchema } from '../../server/store/connection.ts';
import type { Role } from '../../server/store/users.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../server/wire/types.ts';
import { POSTGRES_URL, postgresAnswers, postgresSchemaUrl } from './backends.ts';
import { REDIS_URL, redisAnswers } from './redis-server.ts';
import { spawnService } from './process.ts';
import { reapOnExit } from './reap.ts';
import { REPO } from './shared.ts';

/** The "admin" account's password on every city (SKYBEAT_ADMIN_PASSWORD at the first node's first start). */
export const ADMIN_PASSWORD = 'city-admin-test-password';

/** A link in a node's config file: a URI, or the city form with the operator's id (its drones are `ID-<sysid>`). */
export type CityLink = string | { id: string; uri: string; key?: string };

export interface NodeSpec {
  /** the node's name (--node): a lower-case letter, then lower-case letters, digits or "-" */
  name: string;
  links?: CityLink[];
  /** simulated drones inside this node (default 0: none, whatever its links) */
  sim?: number;
  /** more flags after the harness's own */
  extraArgs?: string[];
  /** more keys of this node's config file (server/config.ts ConfigSchema), over the city's `config` */
  config?: Record<string, unknown>;
  /** more environment for this node */
  env?: Record<string, string>;
}

export interface CityOptions {
  nodes: NodeSpec[];
  /** the city's PostgreSQL store; default a fresh schema of its own (postgresSchemaUrl), dropped by close() */
  database?: string;
  /** the city's Redis (--redis URL); null: the nodes run without Redis, each alone on its bus */
  redis: string | null;
  /** SKYBEAT_CLUSTER_SECRET of every node; default a random one per city */
  secret?: string;
  /** keys of every node's config file (station, schedule, dispatch, …), shallowly over the harness's */
  config?: Record<string, unknown>;
  /**
   * start the routes folder with the repository's example routes (default true). A test of the
   * scheduler says false: the examples are due every evening, and "Drone 1" is any link's system 1.
   */
  exampleRoutes?: boolean;
  /** a list from cleanupAfterEach() (tests/helpers/cleanup.ts): the city is closed after the test */
  cleanup?: (() => unknown)[];
  /** how long a node may take to say it listens (default 60 s: migrations on a busy 2-core machine) */
  startTimeoutMs?: number;
}

export interface CityNode {
  readonly name: string;
  /** http://127.0.0.1:PORT; the same after restart() */
  readonly url: string;
  readonly port: number;
  readonly configFile: string;
  readonly dataDir: string;
  /** whether its current process is alive */
  running(): boolean;
  /** SIGKILL, as a crash or a pulled plug: nothing of its own shutdown runs. Resolves once it is gone */
  kill9(): Promise<void>;
  /** SIGTERM, the orderly stop; resolves with its exit code (0 when it stopped cleanly) */
  stop(): Promise<number | null>;
  /** start it again (stopping it first with SIGTERM if it still runs), on the same port, config and data folder */
  restart(): Promise<void>;
  /** what its current process printed */
  output(): string;
  /** what all its processes printed, each run headed by a line of its own */
  allOutput(): string;
}

/** A logged-in account: `headers` for fetch, `token` for socket.io-client's auth, `cookie` as a browser sends it. */
export interface Session {
  user: string;
  token: string;
  cookie: string;
  headers: { authorization: string };
}

export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

type NodeRef = CityNode | string;
export type CitySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface City {
  readonly nodes: CityNode[];
  /** the node of that name (throws naming the known ones) */
  node(name: string): CityNode;
  readonly database: string;
  readonly redis: string | null;
  readonly secret: string;
  /** the routes folder every node shares (a copy of the repository's missions/, or empty: CityOptions.exampleRoutes) */
  readonly missionsDir: string;
  /** POST /api/login on that node (default user "admin", password ADMIN_PASSWORD) */
  login(node: NodeRef, user?: string, password?: string): Promise<Session>;
  /** an account added by the admin through node's API (password `${name}-password`), logged in there */
  addUser(node: NodeRef, name: string, roles: Role[]): Promise<Session>;
  /** a JSON request to node, with session's token when given */
  api(node: NodeRef, method: string, urlPath: string, session?: Session, body?: unknown): Promise<ApiAnswer>;
  /** socket.io-client on node with session's token (websocket only, no reconnection unless opts say so); closed by close() */
  socket(node: NodeRef, session?: Session, opts?: Partial<ManagerOptions & SocketOptions>): CitySocket;
  /** every node killed (SIGKILL: fast, and no shutdown can hang), sockets closed, folders removed, an own schema dropped */
  close(): Promise<void>;
}

const STOP_TIMEOUT_MS = 20_000;
/** server/main.ts's line once it serves (the port it took with --port 0) */
const LISTENING = /listening on http:\/\/[^:]+:(\d+)/;

/** Start every node at once, as a deployment does (migrations and the first account must bear that). */
export async function startCity(opts: CityOptions): Promise<City> {
  const names = opts.nodes.map((n) => n.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`startCity: two nodes are named "${twice}"`);
  if (names.length === 0) throw new Error('startCity: no nodes');
  const ownDatabase = opts.database === undefined;
  const database = opts.database ?? postgresSchemaUrl();
  const secret = opts.secret ?? crypto.randomBytes(24).toString('hex');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-city-'));
  // One routes folder for the city, copied so that a test that edits routes never writes into the repository.
  const missionsDir = path.join(root, 'missions');
  if (opts.exampleRoutes === false) fs.mkdirSync(missionsDir);
  else fs.cpSync(path.join(REPO, 'missions'), missionsDir, { recursive: true });
  const sockets: CitySocket[] = [];
  const nodes = opts.nodes.map((spec) =>
    cityNode(spec, { root, database, missionsDir, secret, redis: opts.redis, config: opts.config ?? {} }, opts.startTimeoutMs ?? 60_000)
  );

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const s of sockets) s.close();
    await Promise.all(nodes.map((n) => n.kill9()));
    fs.rmSync(root, { recursive: true, force: true });
    if (ownDatabase) await dropSchema(database);
  };
  opts.cleanup?.push(close);
  const started = await Promise.allSettled(nodes.map((n) => n.start()));
  const failed = started.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failed.length) {
    await close();
    throw new Error(`startCity: ${failed.length} of ${nodes.length} nodes did not start:\n${failed.join('\n\n')}`);
  }

  const node = (ref: NodeRef): CityNode => {
    if (typeof ref !== 'string') return ref;
    const n = nodes.find((x) => x.name === ref);
    if (!n) throw new Error(`no city node "${ref}" (the nodes are ${names.join(', ')})`);
    return n;
  };
  const api = async (ref: NodeRef, method: string, urlPath: string, session?: Session, body?: unknown): Promise<ApiAnswer> => {
    const res = await fetch(node(ref).url + urlPath, {
      method,
      headers: { ...session?.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: the text as it came
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  const login = async (ref: NodeRef, user = 'admin', password = ADMIN_PASSWORD): Promise<Session> => {
    const r = await api(ref, 'POST', '/api/login', undefined, { username: user, password });
    if (r.status !== 200) throw new Error(`login ${user} on node ${node(ref).name}: ${r.status} ${JSON.stringify(r.body)}`);
    const token = (r.body as { token: string }).token;
    return { user, token, cookie: `${SESSION_COOKIE}=${token}`, headers: { authorization: `Bearer ${token}` } };
  };
  let adminSession: Session | undefined;
  return {
    nodes,
    node,
    database,
    redis: opts.redis,
    secret,
    missionsDir,
    login,
    async addUser(ref, name, roles) {
      // One admin session for them all: each login counts against the node's 30 a minute from one address.
      const admin = adminSession ??= await login(ref);
      const r = await api(ref, 'POST', '/api/users', admin, { name, password: `${name}-password`, roles });
      if (r.status !== 201) throw new Error(`adding user ${name} on node ${node(ref).name}: ${r.status} ${JSON.stringify(r.body)}`);
      return login(ref, name, `${name}-password`);
    },
    api,
    socket(ref, session, socketOpts = {}) {
      const s: CitySocket = connectSocket(node(ref).url, {
        auth: session ? { token: session.token } : {},
        transports: ['websocket'],
        reconnection: false,
        ...socketOpts,
      });
      sockets.push(s);
      return s;
    },
    close,
  };
}

interface Shared {
  root: string;
  database: string;
  missionsDir: string;
  secret: string;
  redis: string | null;
  config: Record<string, unknown>;
}

function cityNode(spec: NodeSpec, city: Shared, startTimeoutMs: number): CityNode & { start(): Promise<void> } {
  const dataDir = path.join(city.root, spec.name);
  fs.mkdirSync(dataDir);
  const configFile = path.join(city.root, `${spec.name}.config.json`);
  const config = {
    // Quiet and light by default: no telemetry logs or recordings filling the disk, no cameras.
    tlog: { enabled: false },
    video: { simCameraPort: null, recordings: { enabled: false } },
    ...city.config,
    ...spec.config,
    // The harness's own: where it lives, and what it serves.
    host: '127.0.0.1',
    data: dataDir,
    database: city.database,
    missions: city.missionsDir,
    links: spec.links ?? [],
    sim: spec.sim ?? 0,
  };
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const env = { SKYBEAT_CLUSTER_SECRET: city.secret, SKYBEAT_ADMIN_PASSWORD: ADMIN_PASSWORD, ...spec.env };
  const argsFor = (port: number) => [
    '--config',
    configFile,
    '--port',
    String(port),
    '--node',
    spec.name,
    ...(city.redis !== null ? ['--redis', city.redis] : []),
    ...(spec.extraArgs ?? []),
  ];

  let proc: ReturnType<typeof spawnService> | null = null;
  let port = 0;
  let earlier = '';
  let runs = 0;
  const alive = () => proc !== null && proc.child.exitCode === null && proc.child.signalCode === null;

  const start = async () => {
    runs++;
    const p = spawnService(argsFor(port), env);
    proc = p;
    reapOnExit(p.child);
    // Not process.ts's port(): that one waits for ever on a process ended by a signal.
    const end = Date.now() + startTimeoutMs;
    let listening: number;
    for (;;) {
      const said = LISTENING.exec(p.output());
      if (said) {
        listening = Number(said[1]);
        break;
      }
      const gone = p.child.exitCode !== null || p.child.signalCode !== null;
      if (gone || Date.now() > end) {
        p.child.kill('SIGKILL'); // one that never listens is not left running
        const why = gone ? `exited (${p.child.exitCode ?? p.child.signalCode}) before listening` : `not listening after ${startTimeoutMs} ms`;
        throw new Error(`node ${spec.name} (${configFile}): ${why}:\n${p.output()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (port !== 0 && listening !== port) throw new Error(`node ${spec.name}: restarted on port ${listening}, not ${port}`);
    port = listening;
  };
  const ended = async (signal: NodeJS.Signals): Promise<number | null> => {
    const p = proc;
    if (!p || !alive()) return p?.child.exitCode ?? null;
    p.child.kill(signal);
    const gone = await Promise.race([p.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS))]);
    if (!gone) {
      p.child.kill('SIGKILL');
      await p.exited;
      throw new Error(`node ${spec.name}: still running ${STOP_TIMEOUT_MS} ms after ${signal}, killed:\n${p.output()}`);
    }
    return p.child.exitCode;
  };
  return {
    name: spec.name,
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    configFile,
    dataDir,
    running: alive,
    start,
    async kill9() {
      await ended('SIGKILL');
    },
    stop: () => ended('SIGTERM'),
    async restart() {
      if (alive()) await ended('SIGTERM');
      earlier += `=== node ${spec.name}, run ${runs} ===\n${proc?.output() ?? ''}`;
      await start();
    },
    output: () => proc?.output() ?? '',
    allOutput: () => `${earlier}=== node ${spec.name}, run ${runs} ===\n${proc?.output() ?? ''}`,
  };
}

/** Why a city test cannot run here ('' when it can): it needs this machine's PostgreSQL and Redis (CI has both). */
export const citySkipReason = !postgresAnswers
  ? `(skipped: PostgreSQL does not answer at ${POSTGRES_URL})`
  : !redisAnswers
  ? `(skipped: Redis does not answer at ${REDIS_URL})`
  : '';

/**
 * Whether a node serves a leased network link now: it runs, and the last of what it said of the link
 * (server/city-node.ts logs "link ID (…): served by this node now" and "…: no longer served by this node") says so.
 */
export function servesLink(node: CityNode, linkId: string): boolean {
  if (!node.running()) return false;
  const said = [...node.output().matchAll(new RegExp(`link ${linkId} \\([^)]*\\): (served by this node now|no longer served by this node)`, 'g'))];
  return said.at(-1)?.[1] === 'served by this node now';
}

/** The node that serves a leased network link now (servesLink), if any. */
export const servingNode = (city: City, linkId: string): string | undefined => city.nodes.find((n) => servesLink(n, linkId))?.name;
