/**
 * RTP over UDP (rtp://HOST:PORT): what a drone, its companion computer or its video radio sends to
 * a ground station (QGroundControl listens on 5600). We bind the port and take one sender at a
 * time: while the sender we take from (address and port) was heard within the last second,
 * datagrams from any other are dropped and counted. Plain RTP has no authentication, and the
 * port listens on the station's network: before, anyone there could send two RTP packets in
 * sequence under a new SSRC and their pictures replaced the drone's on the wall and in the
 * run's recording. A drone whose address changes or whose encoder restarts (new source port, new
 * SSRC, sequence jump) goes on after that second of silence, without a reconnect, since there is
 * nothing to reconnect. Health: stale after 2 s without a whole picture, live again by itself with
 * the next key picture.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { realClock, type Clock } from '../clock.ts';
import { said, type ServerMessage } from '../wire/messages.ts';
import { ParameterSetTracker } from './parameter-sets.ts';
import { RtpDepacketizer } from './rtp-h264.ts';
import { HealthTracker } from './source-health.ts';
import type { AccessUnit, ParameterSets, SourceHealth, VideoSource } from './types.ts';
import { parseVideoUri, VideoUriError } from './video-uri.ts';

export interface SourceOptions {
  clock?: Clock;
  staleAfterMs?: number;
  /** debug lines (bad packets, restarts): off unless given */
  debug?: (line: string) => void;
}

/** Room for a few key pictures in flight: an IDR at 8 Mbit/s is a few hundred kB in one burst. */
const RECEIVE_BUFFER = 4 * 1024 * 1024;

/** How long the sender we take from holds the port after its last datagram. */
const SENDER_HOLDS_MS = 1000;

const isMulticast = (host: string) => net.isIPv4(host) && Number(host.split('.')[0]) >= 224 && Number(host.split('.')[0]) <= 239;

export class UdpVideoSource implements VideoSource {
  readonly uri: string;
  private readonly socket: dgram.Socket;
  private readonly depacketizer: RtpDepacketizer;
  private readonly sets: ParameterSetTracker;
  private readonly healthTracker: HealthTracker;
  private readonly unitListeners = new Set<(u: AccessUnit) => void>();
  private datagrams = 0;
  /** the sender we take from ("address:port") and when it was last heard */
  private sender: { from: string; lastMs: number } | null = null;
  /** datagrams dropped because another sender held the port */
  private foreign = 0;
  private closed = false;

  private constructor(uri: string, readonly port: number, socket: dgram.Socket, codec: 'h264' | 'h265', sprop: string[], opts: SourceOptions) {
    this.uri = uri;
    this.socket = socket;
    const clock = opts.clock ?? realClock;
    this.sets = new ParameterSetTracker(codec);
    for (const list of sprop) this.sets.addSprop(list);
    this.depacketizer = new RtpDepacketizer({
      codec,
      unit: (u) => this.deliver(u),
      note: opts.debug,
    });
    this.healthTracker = new HealthTracker(clock, () => this.counts(), () => this.whyStale(), opts.staleAfterMs);
    this.healthTracker.changed();
    socket.on('message', (msg, rinfo) => {
      this.datagrams++;
      const now = clock.now();
      const from = `${rinfo.address}:${rinfo.port}`;
      if (this.sender && this.sender.from !== from && now - this.sender.lastMs < SENDER_HOLDS_MS) {
        if (this.foreign++ === 0) opts.debug?.(`${uri}: datagrams from ${from} dropped while ${this.sender.from} sends`);
        return;
      }
      this.sender = { from, lastMs: now };
      this.depacketizer.push(msg, now);
    });
  }

  /** The depacketizer's counts, with the datagrams of other senders among the bad packets. */
  private counts() {
    const c = this.depacketizer.counts;
    return { ...c, badPackets: c.badPackets + this.foreign };
  }

  /** Bind the URI's port; rejects with the reason (port in use, bad address) in plain words. */
  static async open(uri: string, opts: SourceOptions = {}): Promise<UdpVideoSource> {
    const spec = parseVideoUri(uri);
    if (spec.kind !== 'rtp') throw new VideoUriError(`${uri}: not an rtp:// URI`);
    const multicast = isMulticast(spec.host);
    const socket = dgram.createSocket({ type: net.isIPv6(spec.host) ? 'udp6' : 'udp4', reuseAddr: multicast });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.close();
        reject(new Error(`${uri}: cannot listen: ${err.code === 'EADDRINUSE' ? `UDP port ${spec.port} is already in use` : err.message}`));
      });
      socket.bind(spec.port, multicast ? undefined : spec.host, () => resolve());
    });
    socket.removeAllListeners('error');
    socket.on('error', (err) => opts.debug?.(`${uri}: ${err.message}`));
    if (multicast) socket.addMembership(spec.host);
    try {
      socket.setRecvBufferSize(RECEIVE_BUFFER);
    } catch {
      // the system's limit (net.core.rmem_max) stands; a smaller buffer only loses more in bursts
    }
    return new UdpVideoSource(uri, socket.address().port, socket, spec.codec, spec.sprop, opts);
  }

  parameterSets(): ParameterSets | undefined {
    return this.sets.current();
  }

  health(): SourceHealth {
    return this.healthTracker.health();
  }

  onUnit(listener: (unit: AccessUnit) => void): () => void {
    this.unitListeners.add(listener);
    return () => this.unitListeners.delete(listener);
  }

  onHealth(listener: (health: SourceHealth) => void): () => void {
    return this.healthTracker.onChange(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.healthTracker.stop();
    this.unitListeners.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private deliver(unit: AccessUnit): void {
    this.sets.fromUnit(unit);
    this.healthTracker.unit();
    for (const l of this.unitListeners) l(unit);
  }

  /** A message, so the pages say it in their language (these words are all ours). */
  private whyStale(): ServerMessage {
    const c = this.counts();
    const port = this.port;
    if (this.datagrams === 0) return said('video_udp_nothing', { port });
    if (c.units === 0 && c.badPackets === this.datagrams) return said('video_udp_unreadable', { port, bad: c.badPackets });
    const lost = c.lostPackets;
    if (c.units === 0) return lost ? said('video_udp_no_picture_lost', { port, lost }) : said('video_udp_no_picture', { port });
    return lost ? said('video_udp_stopped_lost', { port, lost }) : said('video_udp_stopped', { port });
  }
}
