/**
 * The video bench's viewers that are not a browser, in a process of their own so their work does
 * not slow the senders or the service: WebSocket clients of SkyBeat's video socket (fMP4, the
 * latency of each fragment's arrival from its picture's capture stamp), of the plain relay (RTP
 * datagrams as they are: the arrival of each picture's last packet), and UDP sockets receiving a
 * copy of every camera packet (the floor: the packets' own arrival on this machine).
 */
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { fragmentStamp, readRtp } from './video-probe.ts';

export interface ViewerPlan {
  /** SkyBeat's video socket: each URL watched by `count` clients with this bearer token */
  skybeat: Array<{ url: string; token: string; count: number }>;
  /** the plain relay's sockets */
  plain: Array<{ url: string; count: number }>;
  /** UDP ports the cameras also send every packet to */
  floorPorts: number[];
}

export interface ViewerResults {
  /** ms from capture stamp to arrival, per picture (per viewer for the sockets) */
  floor: number[];
  plain: number[];
  skybeat: number[];
  /** SkyBeat fragments skipped? counted as pictures not received by a viewer during the window */
  skybeatPictures: number;
  clients: number;
}

const now = () => performance.timeOrigin + performance.now();

export async function startViewers(plan: ViewerPlan): Promise<{ measure(): void; stop(): Promise<ViewerResults> }> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`video viewers exited ${code}`)));
    child.send(plan);
  });
  return {
    measure: () => child.send('measure'),
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('message', (r) => resolve(r as ViewerResults));
        child.send('stop');
      }),
  };
}

async function runChild(plan: ViewerPlan): Promise<void> {
  let measuring = false;
  const r: ViewerResults = { floor: [], plain: [], skybeat: [], skybeatPictures: 0, clients: 0 };
  /** RTP: the stamp of each picture seen, until its last packet */
  const rtpReader = (into: number[]) => {
    const stamps = new Map<number, number>();
    return (d: Buffer) => {
      const p = readRtp(d);
      if (!p) return;
      if (p.stamp !== null) stamps.set(p.timestamp, p.stamp);
      if (!p.marker) return;
      const stamp = stamps.get(p.timestamp);
      stamps.delete(p.timestamp);
      if (measuring && stamp !== undefined) into.push(now() - stamp);
      if (stamps.size > 100) stamps.clear();
    };
  };
  for (const port of plan.floorPorts) {
    const s = dgram.createSocket('udp4');
    s.on('message', rtpReader(r.floor));
    await new Promise<void>((res) => s.bind(port, '127.0.0.1', () => res()));
  }
  const sockets: WebSocket[] = [];
  const open = (url: string, headers: Record<string, string>, onData: (d: Buffer) => void) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      ws.on('message', (d: Buffer, binary) => binary && onData(d));
      ws.once('open', () => resolve());
      ws.once('error', reject);
      sockets.push(ws);
    });
  for (const t of plan.skybeat) {
    for (let i = 0; i < t.count; i++) {
      await open(t.url, { authorization: `Bearer ${t.token}` }, (d) => {
        const stamp = fragmentStamp(d);
        if (stamp === null || !measuring) return;
        r.skybeat.push(now() - stamp);
        r.skybeatPictures++;
      });
    }
  }
  for (const t of plan.plain) for (let i = 0; i < t.count; i++) await open(t.url, {}, rtpReader(r.plain));
  r.clients = sockets.length;
  process.send!('ready');
  process.on('message', (m) => {
    if (m === 'measure') measuring = true;
    if (m === 'stop') {
      for (const ws of sockets) ws.terminate();
      process.send!(r, () => process.exit(0));
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // the bench that started this process ended (or failed): so does this one
  process.on('disconnect', () => process.exit(0));
  process.once('message', (m) => void runChild(m as ViewerPlan));
}
