/**
 * A camera on the network for tests and benchmarks: a clip encoded once by ffmpeg
 * (video-feed.ts) sent in a loop over RTP/UDP at its frame rate, as a drone's video radio sends
 * it — packetized by the simulator's own RTP packetizer (RFC 6184), each picture stamped with
 * the moment it went out (the capture-stamp SEI the benchmark reads in the browser). Cheaper than
 * a live encoder per drone, so the machine's cores go to what is measured. stop() is the camera
 * switched off; restart() a rebooted one (new SSRC, new clock, from a key picture).
 */
import dgram from 'node:dgram';
import { RtpPacketizer } from '../../server/sim/rtp-packetizer.ts';
import { captureStampSei } from '../../server/wire/capture-stamp.ts';
import type { Clip } from './video-feed.ts';

export class RtpClipSender {
  private readonly socket = dgram.createSocket('udp4');
  private packetizer = new RtpPacketizer();
  private timer: NodeJS.Timeout | null = null;
  private index = 0;
  private timestamp = Math.floor(Math.random() * 2 ** 32);
  private next = 0;
  /** pictures and bytes sent */
  pictures = 0;
  bytes = 0;
  /** when each picture went out (its capture stamp), by RTP timestamp: the bench's floor */
  onPicture: ((stampMs: number, rtpTimestamp: number) => void) | null = null;

  /** copiesTo: more ports on this host that get every packet too (the bench's floor and plain relay) */
  constructor(readonly clip: Clip, readonly port: number, readonly host = '127.0.0.1', readonly copiesTo: number[] = []) {
    if (clip.codec !== 'h264') throw new Error('RtpClipSender sends H.264 only (the packetizer is RFC 6184)');
  }

  start(): void {
    if (this.timer) return;
    this.next = performance.now();
    this.tick();
  }

  /** Paced by the clock, not by setInterval's drift: each picture at its own time. */
  private tick(): void {
    const interval = 1000 / this.clip.fps;
    while (performance.now() >= this.next) {
      this.sendOne();
      this.next += interval;
    }
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.next - performance.now()));
  }

  private sendOne(): void {
    const picture = this.clip.pictures[this.index]!;
    this.index = (this.index + 1) % this.clip.pictures.length;
    const stamp = performance.timeOrigin + performance.now();
    // The stamp goes first, as the simulator's camera puts it; parameter sets travel in the key pictures.
    const packets = this.packetizer.packetize([captureStampSei(stamp), ...picture.nals], this.timestamp);
    for (const p of packets) {
      this.socket.send(p, this.port, this.host);
      for (const port of this.copiesTo) this.socket.send(p, port, this.host);
      this.bytes += p.length;
    }
    this.onPicture?.(stamp, this.timestamp);
    this.pictures++;
    this.timestamp = (this.timestamp + Math.round(90_000 / this.clip.fps)) >>> 0;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A rebooted camera: a new source (SSRC, sequence), its clock elsewhere, from the clip's first (key) picture. */
  restart(): void {
    this.packetizer = new RtpPacketizer();
    this.timestamp = Math.floor(Math.random() * 2 ** 32);
    this.index = 0;
  }

  close(): void {
    this.stop();
    this.socket.close();
  }
}

/** UDP ports free on loopback right now (bound and released): where a test's cameras send. */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets = await Promise.all(Array.from({ length: n }, () =>
    new Promise<dgram.Socket>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1', () => resolve(s));
    })));
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise((r) => s.close(() => r(null)))));
  return ports;
}
