/**
 * Many lightweight drones on real UDP sockets, in a process of their own: each drone has its own
 * socket (as real drones have their own address), sends HEARTBEAT 1 Hz, GLOBAL_POSITION_INT at
 * 10 Hz and an ArduCopter-like set of other streams, one datagram per 100 ms slot, spread
 * evenly over the slot. Each position's altitude (mm) is the send time modulo 1e9 ms, so a
 * client reading VehicleView.position.altMsl knows the age of what it shows.
 */
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import type { MavLinkData } from 'node-mavlink';
import { Encoder } from '../../server/mavlink/codec.ts';
import { HOME, heartbeat, otherStreams, position } from './traffic.ts';

export interface SwarmTarget {
  port: number;
  sysids: number[];
}
export interface SwarmStats {
  drones: number;
  datagrams: number;
  packets: number;
  cpuMs: number;
}

const SLOT_MS = 100;
export const CLOCK_MODULUS_MS = 1e9;

/** How old a position is, from the altitude its sender wrote (see above). */
export function ageMs(altMsl: number, now = Date.now()): number {
  return (((now % CLOCK_MODULUS_MS) - Math.round(altMsl * 1000)) % CLOCK_MODULUS_MS + CLOCK_MODULUS_MS) % CLOCK_MODULUS_MS;
}

/** Start the swarm in a child process; stop() ends it and returns what it sent. */
export async function startSwarm(targets: SwarmTarget[]): Promise<{ stop(): Promise<SwarmStats> }> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`drone swarm exited ${code}`)));
    child.send({ targets });
  });
  return {
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('message', (stats) => resolve(stats as SwarmStats));
        child.send('stop');
      }),
  };
}

interface Drone {
  socket: dgram.Socket;
  port: number;
  enc: Encoder;
  sysid: number;
  index: number;
  slot: number;
  nextAt: number;
  streams: { msg: MavLinkData; hz: number }[];
}

/** Is a message of this rate due in this 100 ms slot? */
const due = (hz: number, slot: number) => Math.floor((slot * hz * SLOT_MS) / 1000) !== Math.floor(((slot - 1) * hz * SLOT_MS) / 1000);

async function runChild(targets: SwarmTarget[]): Promise<void> {
  const all = targets.flatMap((t) => t.sysids.map((sysid) => ({ port: t.port, sysid })));
  const t0 = Date.now();
  const drones: Drone[] = await Promise.all(all.map(async ({ port, sysid }, index) => {
    const socket = dgram.createSocket('udp4');
    socket.on('message', () => {/* the ground station's heartbeats and stream requests */});
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    return { socket, port, enc: new Encoder(sysid, 1), sysid, index, slot: 0, nextAt: t0 + (index / all.length) * SLOT_MS, streams: otherStreams() };
  }));
  let datagrams = 0;
  let packets = 0;
  const send = (d: Drone, now: number) => {
    const out: Buffer[] = [];
    const s = d.slot++;
    if (s % 10 === 0) out.push(d.enc.encode(heartbeat()));
    // Each drone flies its own small circle, 100 m apart from the next.
    const a = (now / 20_000) * 2 * Math.PI + d.index;
    out.push(
      d.enc.encode(
        position(
          HOME.lat + (d.index % 20) * 9e-4 + 3e-4 * Math.sin(a),
          HOME.lon + Math.floor(d.index / 20) * 1e-3 + 3e-4 * Math.cos(a),
          now % CLOCK_MODULUS_MS,
          now - t0,
        ),
      ),
    );
    for (const st of d.streams) if (due(st.hz, s)) out.push(d.enc.encode(st.msg));
    d.socket.send(Buffer.concat(out), d.port, '127.0.0.1');
    datagrams++;
    packets += out.length;
  };
  const timer = setInterval(() => {
    const now = Date.now();
    for (const d of drones) {
      if (d.nextAt > now) continue;
      send(d, now);
      d.nextAt += SLOT_MS;
      if (d.nextAt < now) d.nextAt = now + SLOT_MS; // fell behind: skip rather than burst
    }
  }, 5);
  process.send!('ready');
  process.on('message', (m) => {
    if (m !== 'stop') return;
    clearInterval(timer);
    for (const d of drones) d.socket.close();
    const c = process.cpuUsage();
    process.send!({ drones: drones.length, datagrams, packets, cpuMs: (c.user + c.system) / 1000 } satisfies SwarmStats, () => process.exit(0));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once('message', (m) => void runChild((m as { targets: SwarmTarget[] }).targets));
}
