/**
 * The compose file's `city` profile (issue 18): PostgreSQL, Redis, three SkyBeat nodes (the stations
 * hf and wl, the centre city) and nginx in front, sticky for socket.io. Read three ways: as compose
 * resolves the file (`config`, no Docker engine needed), each node's environment as SkyBeat's own
 * configuration reads it, and the balancer's configuration run by a real nginx in front of three
 * real SkyBeat services, where a socket.io session lives only if every request of it reaches the
 * node that made it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/auth/passwords.ts';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { testService } from '../helpers/service.ts';
import { REPO } from '../helpers/shared.ts';
import { videoClient } from '../helpers/video-client.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  COMPOSE_SKIPPED,
  compose,
  composeConfig,
  composeIt,
  dependsOn,
  enabledServices,
  environmentOf,
  itemsIn,
  listIn,
  NO_COMPOSE,
  profilesOf,
  serviceBlock,
} from './compose-file.ts';

const cleanup = cleanupAfterEach();
const NGINX_CONF = path.join(REPO, 'deploy/city/nginx.conf');
const SECRET = 'a-city-secret-of-32-characters!!';
/** The node services: the two stations' and the centre's, with the names SkyBeat gives them. */
const NODES = { 'skybeat-hf': 'hf', 'skybeat-wl': 'wl', 'skybeat-city': 'city' } as const;
const CITY = ['balancer', 'postgres', 'redis', ...Object.keys(NODES)].sort();

/** A service's published ports, as "8080/tcp" (the port on the host, its protocol). */
const publishedPorts = (block: string) =>
  itemsIn(block, 'ports').map((p) => {
    const published = /published: ['"]?(\d+)/.exec(p)?.[1];
    if (!published) throw new Error(`a port without "published": ${p}`);
    return `${published}/${/protocol: (\w+)/.exec(p)?.[1] ?? 'tcp'}`;
  });

describe('docker compose file: the city profile', () => {
  composeIt(`starts PostgreSQL, Redis, three SkyBeat nodes and one nginx balancer; the other profiles start what they did${COMPOSE_SKIPPED}`, () => {
    expect(compose, NO_COMPOSE).toBeDefined();
    // Every profile, so that the plugin lists every service too (docker-compose 1.29 always does).
    const config = composeConfig({}, '--profile', 'city', '--profile', 'sitl', '--profile', 'postgres');
    // Named when started: a plain `up` also starts the skybeat service, which takes the same ports.
    expect(enabledServices(config, ['city'])).toEqual([...CITY, 'skybeat'].sort());
    for (const s of CITY) expect(profilesOf(config, s), s).toContain('city');
    // Unchanged: what a plain `up` and the other profiles start.
    expect(enabledServices(config, [])).toEqual(['skybeat']);
    expect(enabledServices(config, ['postgres'])).toEqual(['postgres', 'skybeat']);
    expect(enabledServices(config, ['sitl'])).toEqual(['relay1', 'relay2', 'relay3', 'sitl1', 'sitl2', 'sitl3', 'skybeat']);
    expect(profilesOf(config, 'postgres')).toEqual(['postgres', 'city']);

    const postgres = serviceBlock(config, 'postgres');
    expect(postgres).toMatch(/^ +image: postgres:15$/m);
    const redis = serviceBlock(config, 'redis');
    expect(redis).toMatch(/^ +image: redis:7$/m);
    expect(listIn(redis, 'test')).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(publishedPorts(redis)).toEqual([]); // inside the compose network only
    expect(publishedPorts(postgres)).toEqual([]);

    const volumes = new Set<string>();
    for (const [service, node] of Object.entries(NODES)) {
      const block = serviceBlock(config, service);
      expect(block, service).toMatch(/^ +image: skybeat:latest$/m); // the skybeat service's image…
      expect(block, service).toMatch(/^ +build:\n +context: \S+$/m); // …built here when `up` names only the city
      expect(dependsOn(block), `${service} waits for PostgreSQL and Redis to be healthy`).toEqual({ postgres: 'service_healthy', redis: 'service_healthy' });
      expect(environmentOf(config, service).SKYBEAT_NODE, service).toBe(node);
      const data = /(?:- |source: )(\S+?)(?::\/data(?::rw)?$|\n +target: \/data$)/m.exec(block)?.[1];
      expect(data, `${service}: a volume on /data`).toBeDefined();
      volumes.add(data!);
    }
    expect(volumes.size, 'each node its own data volume').toBe(3);
    // The radios reach the stations; browsers reach the nodes only through the balancer.
    expect(publishedPorts(serviceBlock(config, 'skybeat-hf'))).toEqual(['14550/udp']);
    expect(publishedPorts(serviceBlock(config, 'skybeat-wl'))).toEqual(['14551/udp']);
    expect(publishedPorts(serviceBlock(config, 'skybeat-city'))).toEqual([]);

    const balancer = serviceBlock(config, 'balancer');
    expect(balancer).toMatch(/^ +image: nginx:\S+$/m);
    expect(publishedPorts(balancer)).toEqual(['8080/tcp']);
    expect(publishedPorts(serviceBlock(composeConfig({ SKYBEAT_CITY_PORT: '9090' }, '--profile', 'city'), 'balancer'))).toEqual(['9090/tcp']);
    // The configuration in the repository, read-only, in place of the image's default site (short form, or the plugin's long one).
    expect(balancer).toMatch(
      /- \/\S+\/deploy\/city\/nginx\.conf:\/etc\/nginx\/conf\.d\/default\.conf:ro$|source: \/\S+\/deploy\/city\/nginx\.conf\n +target: \/etc\/nginx\/conf\.d\/default\.conf\n +read_only: true$/m,
    );
    expect(Object.keys(dependsOn(balancer)).sort()).toEqual(Object.keys(NODES).sort());
  });

  composeIt(`gives each node an environment SkyBeat reads as a city node: its name, its links, one PostgreSQL, one Redis, the secret${COMPOSE_SKIPPED}`, () => {
    expect(compose, NO_COMPOSE).toBeDefined();
    // The image's own environment (Dockerfile ENV), under the compose file's.
    const image = Object.fromEntries(
      /^ENV (.*)$/m.exec(fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8'))![1]!.split(/\s+/).map((kv) => kv.split('=') as [string, string]),
    );
    const given = { SKYBEAT_CLUSTER_SECRET: SECRET, POSTGRES_PASSWORD: 'their-own', SKYBEAT_ADMIN_PASSWORD: 'admin-password' };
    const config = composeConfig(given, '--profile', 'city');
    const read = Object.fromEntries(Object.keys(NODES).map((s) => [s, loadConfig([], { ...image, ...environmentOf(config, s) })]));
    for (const [service, node] of Object.entries(NODES)) {
      const c = read[service]!;
      if (c === 'help') throw new Error(`${service}: its environment asked for help`);
      expect(c.city, service).toEqual({ node, redis: 'redis://redis:6379', secret: SECRET });
      expect(c.database, service).toBe('postgres://skybeat:their-own@postgres:5432/skybeat');
      expect(c.adminPassword, service).toBe('admin-password');
      expect(c.sim, `${service}: no simulated drones`).toBe(0);
      expect(c.data, service).toBe('/data');
    }
    const links = (s: string) => (read[s] as Exclude<(typeof read)[string], 'help'>).links;
    expect(links('skybeat-hf')).toEqual(['hf1=udpin://0.0.0.0:14550']);
    expect(links('skybeat-wl')).toEqual(['wl1=udpin://0.0.0.0:14551']);
    expect(links('skybeat-city')).toEqual([]);

    // Without the secret compose still reads the file (the other profiles need no secret), and each node refuses to start, saying why.
    const unset = composeConfig({}, '--profile', 'city');
    for (const service of Object.keys(NODES)) {
      expect(() => loadConfig([], { ...image, ...environmentOf(unset, service) }), service).toThrow(
        new ConfigError('SKYBEAT_CLUSTER_SECRET: not set; a city needs a shared secret of at least 16 characters, the same on every node'),
      );
    }
  });
});

const conf = fs.readFileSync(NGINX_CONF, 'utf8');
/** The directives inside `name … { }` (no nested blocks in the ones read here), comments dropped. */
function block(name: RegExp): string {
  const text = conf.replace(/#.*$/gm, '');
  const m = new RegExp(`${name.source}\\s*\\{([^{}]*)\\}`).exec(text);
  if (!m) throw new Error(`${NGINX_CONF}: no block ${name.source}`);
  return m[1]!;
}
/** "1h", "90s", "60" (seconds) → seconds. */
const seconds = (t: string) => Number(/^(\d+)/.exec(t)![1]) * ({ h: 3600, m: 60, s: 1 }[t.slice(-1)] ?? 1);

describe("the balancer's configuration (deploy/city/nginx.conf)", () => {
  it('balances over the three nodes by client address, so a socket.io session stays on its node', () => {
    const upstream = block(/upstream skybeat_city/);
    expect(upstream).toMatch(/^\s*hash \$remote_addr consistent;$/m);
    expect([...upstream.matchAll(/^\s*server ([\w-]+):8080\b/gm)].map((m) => m[1]).sort()).toEqual(Object.keys(NODES).sort());
  });

  it('passes WebSocket upgrades on, and lets the live and video sockets stay open for an hour', () => {
    const server = conf.replace(/#.*$/gm, '');
    expect(block(/map \$http_upgrade \$connection_upgrade/)).toMatch(/^\s*default upgrade;$/m);
    for (const header of ['Upgrade $http_upgrade', 'Connection $connection_upgrade', 'Host $http_host'])
      expect(server).toContain(`proxy_set_header ${header};`);
    expect(server).toMatch(/^\s*proxy_http_version 1\.1;$/m);
    const regex = /location ~ (\S+) \{/.exec(server)![1]!;
    expect(new RegExp(regex).test('/api/video/hf1-3/live')).toBe(true);
    expect(new RegExp(regex).test('/api/video/hf1-3/stills')).toBe(false);
    for (const location of [/location \/socket\.io\//, /location ~ \S+/]) {
      const timeout = /proxy_read_timeout (\w+);/.exec(block(location))?.[1];
      expect(timeout, `${location.source}: proxy_read_timeout`).toBeDefined();
      expect(seconds(timeout!)).toBeGreaterThanOrEqual(3600);
    }
  });
});

/** nginx, where installed (Debian: nginx-light); its sbin folder may be off a user's PATH. */
const NGINX = ['nginx', '/usr/sbin/nginx'].find((cmd) => spawnSync(cmd, ['-v']).status === 0);
// CI installs it (.ci/run): there the balancer's test must run, not skip.
if (!NGINX && process.env.CI) throw new Error('CI: nginx must be installed (Debian nginx-light, as .ci/run does) for the balancer test');
const describeWithNginx = NGINX ? describe : describe.skip;
const NGINX_SKIPPED = NGINX ? '' : ' [skipped: nginx is not installed here (Debian: nginx-light)]';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** Replace exactly one occurrence, or fail naming what the configuration no longer has. */
function replaceOnce(text: string, from: string, to: string): string {
  const n = text.split(from).length - 1;
  if (n !== 1) throw new Error(`${NGINX_CONF}: "${from}" found ${n} times, expected once`);
  return text.replace(from, to);
}

/**
 * The configuration run by nginx as the image would, but on this machine: the node names pointed
 * at local ports, listening on a free port, and the main file the image supplies written here (its
 * own folder for temporary files and logs, one process in the foreground).
 */
async function startNginx(nodePorts: Record<string, number>, edit: (site: string) => string = (s) => s) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-nginx-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  let site = replaceOnce(conf, 'listen 8080;', `listen 127.0.0.1:${port};`);
  for (const [name, p] of Object.entries(nodePorts)) site = replaceOnce(site, `server ${name}:8080 `, `server 127.0.0.1:${p} `);
  fs.writeFileSync(path.join(dir, 'site.conf'), edit(site));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join(' ');
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;\n` +
      `events { worker_connections 512; }\nhttp { access_log off; ${temp} include ${dir}/site.conf; }\n`,
  );
  const args = ['-p', dir, '-c', path.join(dir, 'nginx.conf')];
  const test = spawnSync(NGINX!, [...args, '-t'], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t: ${test.stderr}`);
  const child: ChildProcess = spawn(NGINX!, args, { stdio: 'ignore' });
  cleanup.push(() => child.kill());
  await waitFor('nginx to listen', () => {
    if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${fs.readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
    return new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s.end() && true)).on('error', () => resolve(false));
    });
  });
  return `http://127.0.0.1:${port}`;
}

/** GET from a given local address (127.0.0.0/8 is all this machine's), as JSON. */
const getFrom = (localAddress: string, url: string) =>
  new Promise<any>((resolve, reject) => {
    http.get(url, { localAddress, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${url} from ${localAddress}: ${res.statusCode} ${body}`))));
    }).on('error', reject);
  });

type Outcome = { ok: true; drones: number } | { ok: false; why: string };

/**
 * Log in through the balancer, then hold a live socket through it until it has carried `batches`
 * vehicle updates: only possible if the login, the handshake and every poll after it reach one node.
 */
async function liveThrough(base: string, transports: ('polling' | 'websocket')[], batches = 5): Promise<Outcome> {
  const login = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'li.wei', password: 'li.wei-password' }),
  });
  const { token } = (await login.json()) as { token: string };
  // The page's own origin, as a browser sends it: the node must see the balancer's Host, port included.
  const s = connectSocket(base, { auth: { token }, transports, reconnection: false, extraHeaders: { origin: base } });
  cleanup.push(() => s.close());
  return await new Promise<Outcome>((resolve) => {
    let drones = 0;
    let seen = 0;
    s.on('vehicles:snapshot', (v) => (drones = v.length));
    s.on('vehicles:update', () => {
      if (++seen >= batches) resolve({ ok: true, drones });
    });
    s.on('connect_error', (e) => resolve({ ok: false, why: `connect_error: ${e.message}` }));
    s.on('disconnect', (why) => resolve({ ok: false, why: `disconnect: ${why}` }));
  });
}

describeWithNginx(`the balancer run by nginx in front of three SkyBeat services${NGINX_SKIPPED}`, () => {
  type T = Awaited<ReturnType<typeof testService>>;
  /** node service name → a SkyBeat service with as many simulated drones as its place (1, 2, 3): which node answered is seen in its drone count */
  const nodes: Record<string, T> = {};
  const ports = () => Object.fromEntries(Object.entries(nodes).map(([name, t]) => [name, t.svc.port]));

  beforeAll(async () => {
    for (const [i, name] of Object.keys(NODES).entries()) {
      const t = await testService({ sim: i + 1, simOptions: { demo: false, seed: 20 + i } });
      nodes[name] = t;
      // The same account on each: whichever node a client lands on, it can log in.
      await t.svc.store.users.add('li.wei', await hashPassword('li.wei-password'), ['pilot']);
    }
    for (const [i, t] of Object.values(nodes).entries()) await waitFor(`node ${i + 1}'s drones`, () => t.svc.fleet.vehicles.size === i + 1, 15_000);
  });
  afterAll(async () => {
    for (const t of Object.values(nodes)) await t.close();
  });

  it('socket.io over HTTP long-polling alone lives through it; with the hash line taken out it does not', async () => {
    const base = await startNginx(ports());
    const sticky = await liveThrough(base, ['polling']);
    expect(sticky).toMatchObject({ ok: true });
    // The control: nginx's default, round robin, sends the polls of one session to different nodes.
    const roundRobin = await startNginx(ports(), (site) => replaceOnce(site, 'hash $remote_addr consistent;', ''));
    expect(await liveThrough(roundRobin, ['polling'])).toMatchObject({ ok: false });
  });

  it('upgrades the live socket and the video socket to WebSockets', async () => {
    const base = await startNginx(ports());
    expect(await liveThrough(base, ['websocket'])).toMatchObject({ ok: true });
    // The video socket's upgrade reaches the node's upgrade handler (a drone without a camera is
    // refused there, after the origin and session checks); a plain GET would reach the REST API.
    const token = (await (await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'li.wei', password: 'li.wei-password' }),
    })).json() as { token: string }).token;
    const video = await videoClient(base, 'hf1-9', { token, origin: base });
    cleanup.push(() => video.close());
    expect(video.refused).toMatchObject({ status: 404 });
    expect(JSON.parse(video.refused!.body)).toEqual({ error: 'drone hf1-9 has no camera configured' });
  });

  it('keeps each client address on one node, and spreads the addresses of one office network over the nodes', async () => {
    const base = await startNginx(ports());
    const landed = new Map<string, Set<number>>();
    for (let i = 2; i <= 21; i++) {
      const address = `127.0.0.${i}`;
      const seen = new Set<number>();
      for (let n = 0; n < 3; n++) seen.add((await getFrom(address, `${base}/api/health`)).vehicles.total as number);
      landed.set(address, seen);
    }
    for (const [address, seen] of landed) expect([...seen], `${address}: the nodes it reached (by their drone count)`).toHaveLength(1);
    // ip_hash would send all of 127.0.0.0/24 to one node.
    expect(new Set([...landed.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);
  });
});
