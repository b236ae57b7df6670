/**
 * Simulated drones as their own process (`npm run sim`, server/sim/main.ts), apart from every
 * SkyBeat node: they go on flying and sending when the node serving their link is killed, so a
 * city test can watch another node take the link over and find the same drones.
 *
 *   const drones = await startSimDrones({ count: 2, link: `udpout://127.0.0.1:${port}` });  // to a node's udpin
 *   const drones = await startSimDrones({ count: 2, link: 'tcpin://127.0.0.1:0' });          // nodes link to drones.nodeLinks
 */
import dgram from 'node:dgram';
import type { DroneStatus } from '../../server/sim/drone.ts';
import { spawnNode } from './process.ts';
import { reapOnExit } from './reap.ts';
import { REPO } from './shared.ts';

export interface SimDronesOptions {
  count: number;
  /**
   * where they talk: udpout://HOST:PORT or tcpout://HOST:PORT, every drone to a node's udpin/tcpin
   * there; tcpin://HOST:0 or udpin://HOST:0, each drone listens on a free port of its own (a node
   * links to nodeLinks)
   */
  link: string;
  /** seeds the simulator's random choices; default from the clock, reported as seed */
  seed?: number;
  /** first sysid (default 1) */
  sysidBase?: number;
  /** simulated seconds per real second (default 1) */
  speedup?: number;
  /** more `npm run sim` flags, e.g. ['--boot-delay', '1', '--home', '31.2,121.5'] */
  extraArgs?: string[];
  /** a list from cleanupAfterEach() (tests/helpers/cleanup.ts): the drones are closed after the test */
  cleanup?: (() => unknown)[];
  /** how long to wait for every drone to be up (default 30 s) */
  startTimeoutMs?: number;
}

export interface SimDrones {
  readonly sysids: number[];
  /** the seed the run used, to replay it */
  readonly seed: number;
  /** with tcpin/udpin: each drone's own port, in sysid order; empty with udpout/tcpout */
  readonly ports: number[];
  /** with tcpin/udpin: the link a node opens to reach each drone (tcpout://…, udpout://…), in sysid order */
  readonly nodeLinks: string[];
  /** the simulator's JSON control endpoint, http://127.0.0.1:P/drones (POST /drones/SYSID/ACTION: faults, see server/sim/control-http.ts) */
  readonly control: string;
  /** every drone's state as the simulator sees it (mode, armed, position, mission progress) */
  status(): Promise<DroneStatus[]>;
  output(): string;
  /** end the process (SIGTERM; SIGKILL if it has not gone within 5 s) */
  close(): Promise<void>;
}

const STOP_TIMEOUT_MS = 5000;

/** What a node opens to reach a drone that listens with `kind` on port. */
function nodeLinkTo(kind: string, host: string, port: number): string {
  return `${kind === 'tcpin' ? 'tcpout' : 'udpout'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

export async function startSimDrones(opts: SimDronesOptions): Promise<SimDrones> {
  const kind = /^(\w+):\/\//.exec(opts.link)?.[1] ?? '';
  const args = ['--no-camera', '--count', String(opts.count), '--link', opts.link, '--control-port', '0'];
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  if (opts.sysidBase !== undefined) args.push('--sysid-base', String(opts.sysidBase));
  if (opts.speedup !== undefined) args.push('--speedup', String(opts.speedup));
  args.push(...(opts.extraArgs ?? []));
  const proc = spawnNode(REPO, ['--import', 'tsx', 'server/sim/main.ts', ...args]);
  reapOnExit(proc.child);
  const close = async () => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGTERM');
    const gone = await Promise.race([proc.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS))]);
    if (!gone) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  };
  opts.cleanup?.push(close);

  // The control endpoint's line is printed last, once every drone's socket is open.
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const end = Date.now() + timeoutMs;
  let control: string | undefined;
  while (!(control = /control endpoint (http:\/\/127\.0\.0\.1:\d+\/drones)/.exec(proc.output())?.[1])) {
    if (proc.child.exitCode !== null)
      throw new Error(`npm run sim -- ${args.join(' ')}: exited ${proc.child.exitCode} before its drones were up:\n${proc.output()}`);
    if (Date.now() > end) {
      await close();
      throw new Error(`npm run sim -- ${args.join(' ')}: drones not up after ${timeoutMs} ms:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const out = proc.output();
  const seed = Number(/, seed (\d+)/.exec(out)![1]);
  const drones = [...out.matchAll(/sim: sysid (\d+) at [^,\n]+,[^,\n]+(?:, port (\d+))?/g)].map((m) => ({
    sysid: Number(m[1]),
    port: m[2] ? Number(m[2]) : null,
  }));
  if (drones.length !== opts.count) throw new Error(`npm run sim: expected ${opts.count} drones in its output, found ${drones.length}:\n${out}`);
  const listening = kind === 'tcpin' || kind === 'udpin';
  const host = /^\w+:\/\/([^:/]+)/.exec(opts.link)![1]!;
  const ports = listening ? drones.map((d) => d.port!) : [];
  return {
    sysids: drones.map((d) => d.sysid),
    seed,
    ports,
    nodeLinks: ports.map((p) => nodeLinkTo(kind, host, p)),
    control,
    async status() {
      const res = await fetch(control);
      if (!res.ok) throw new Error(`GET ${control}: ${res.status} ${await res.text()}`);
      return await res.json() as DroneStatus[];
    },
    output: proc.output,
    close,
  };
}

/** A loopback UDP port nobody is bound to this instant: for a udpin link several nodes are configured with. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.once('error', reject).bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
