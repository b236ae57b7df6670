/**
 * Which camera feed is whose: the source registry. A drone's source is, in this order, the one
 * configured for it (the configuration file's `video.sources`, or an admin's setting, by vehicle
 * id or by sysid on any link), else the stream it announced over MAVLink (VIDEO_STREAM_INFORMATION,
 * handed in by the service) when that announcement can be trusted (followsUnasked): anyone who can
 * write to an unsigned MAVLink link can announce, and an RTSP URI sends us to any host and port.
 * An announcement that cannot is listed as waiting for an admin, who approves it by setting it. A source is opened when its drone is known and kept open while the
 * URI stays the same (RTP ports stay bound, RTSP sessions stay up), so a tile can show its health
 * before anyone watches; it is closed when the URI changes or the service stops.
 */
import type { Clock } from '../clock.ts';
import { RtspVideoSource } from './rtsp-source.ts';
import type { SourceHealth, VideoSource } from './types.ts';
import { UdpVideoSource } from './udp-source.ts';
import { announcedRtpUri, isLoopbackHost, parseVideoUri, redactVideoUri } from './video-uri.ts';

export interface DroneRef {
  /** the vehicle id (link and sysid, e.g. "l1-3") */
  id: string;
  sysid: number;
}

/** A stream as a drone announced it (vehicles/video-streams.ts keeps them). */
export interface AnnouncedVideo {
  type: 'rtsp' | 'rtpudp' | 'tcp_mpeg' | 'mpeg_ts' | 'unknown';
  uri: string;
  encoding: 'h264' | 'h265' | 'unknown';
  running: boolean;
}

/** Where an announcement came in: what decides whether it is followed unasked. */
export interface AnnouncedVia {
  /** the drone's link is MAVLink-signed: only a holder of the key could have sent it */
  signed: boolean;
  /** the address the drone's MAVLink link comes from (null: a serial line, nothing to compare) */
  peerHost: string | null;
}

/** An announcement with nothing known of where it came from: trusted for nothing. */
const UNKNOWN_VIA: AnnouncedVia = { signed: false, peerHost: null };

/**
 * Whether an announced URI is followed without an admin: a port to listen on reaches no one; a
 * signed link's word is the drone's; an RTSP camera on the very address the drone's link comes
 * from is the drone's own machine (its companion computer or radio). Anything else (an RTSP host
 * elsewhere) would let whoever can write to the link make the service connect where they like
 * and read from the health reason whether that port is open.
 */
export function followsUnasked(uri: string, via: AnnouncedVia): boolean {
  const spec = parseVideoUri(uri);
  if (spec.kind === 'rtp' || via.signed) return true;
  const host = spec.url.hostname.replace(/^\[(.*)\]$/, '$1');
  return via.peerHost !== null && host === via.peerHost;
}

/** One drone's video as an admin sees it. */
export interface VideoSourceEntry {
  drone: string;
  /** what plays (passwords redacted), and where it came from */
  uri: string | null;
  from: 'configured' | 'announced' | null;
  /** what the drone announced, even when the configuration wins */
  announced: string | null;
  /** the announcement is not followed until an admin sets it (followsUnasked says why) */
  awaitingApproval: boolean;
  health: SourceHealth | null;
  /** why there is no source, or it could not be opened */
  problem?: string;
}

export interface VideoSourcesOptions {
  /** drone (vehicle id or sysid) → URI, from the configuration file */
  configured?: Record<string, string>;
  clock?: Clock;
  log?: (line: string) => void;
  /** opens a URI (tests may count or refuse); default: rtp:// binds, rtsp:// connects */
  open?: (uri: string) => Promise<VideoSource>;
  /** the address the service listens on (--host): announced RTP ports are bound no wider */
  listenHost?: string;
}

/** The first stream we can play from what a drone announced, or why none. */
export function playableAnnouncement(streams: AnnouncedVideo[], bindHost = '0.0.0.0'): { uri: string } | { problem: string } | null {
  if (streams.length === 0) return null;
  for (const s of [...streams].sort((a, b) => Number(b.running) - Number(a.running))) {
    if (s.encoding !== 'h264' && s.encoding !== 'h265' && s.encoding !== 'unknown') continue;
    const codec = s.encoding === 'h265' ? 'h265' : 'h264';
    if (s.type === 'rtsp' && /^rtsp:\/\//i.test(s.uri)) return { uri: s.uri };
    if (s.type === 'rtpudp') {
      const uri = announcedRtpUri(s.uri, codec, bindHost);
      if (uri) return { uri };
    }
  }
  const said = streams.map((s) => `${s.type} "${s.uri}"`).join(', ');
  return { problem: `the drone announces ${said}: only RTSP and RTP/UDP with H.264 or H.265 are played` };
}

interface Slot {
  ref: DroneRef;
  announced: string | null;
  /** the announcement is not to be followed until an admin sets it */
  awaiting: boolean;
  announceProblem?: string;
  uri: string | null;
  source: VideoSource | null;
  problem?: string;
  /** the open or close in progress: changes for one drone happen one after another */
  work: Promise<void>;
}

export class VideoSources {
  private readonly configured = new Map<string, string>();
  private readonly slots = new Map<string, Slot>();
  private readonly listeners = new Set<(droneId: string, source: VideoSource | null) => void>();
  private readonly open: (uri: string) => Promise<VideoSource>;
  private closed = false;

  constructor(private readonly opts: VideoSourcesOptions = {}) {
    for (const [key, uri] of Object.entries(opts.configured ?? {})) this.configure(key, uri);
    this.open = opts.open ??
      ((uri) =>
        parseVideoUri(uri).kind === 'rtsp'
          ? Promise.resolve(new RtspVideoSource(uri, { clock: opts.clock }))
          : UdpVideoSource.open(uri, { clock: opts.clock }));
  }

  /** Hear of every source opened for a drone, or closed (null). */
  onChange(listener: (droneId: string, source: VideoSource | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A drone is known (found on a link): its source opens if it has one. */
  drone(ref: DroneRef): void {
    if (!this.slots.has(ref.id)) this.slots.set(ref.id, { ref, announced: null, awaiting: false, uri: null, source: null, work: Promise.resolve() });
    this.update(ref.id);
  }

  /** What the drone announced over MAVLink, and over what link (`via`). */
  announce(ref: DroneRef, streams: AnnouncedVideo[], via: AnnouncedVia = UNKNOWN_VIA): void {
    this.drone(ref);
    const slot = this.slots.get(ref.id)!;
    const pick = playableAnnouncement(streams, this.bindHostFor(via));
    slot.announced = pick && 'uri' in pick ? pick.uri : null;
    slot.awaiting = slot.announced !== null && !followsUnasked(slot.announced, via);
    slot.announceProblem = pick && 'problem' in pick ? pick.problem : undefined;
    this.update(ref.id);
  }

  /**
   * Set (or with null remove) the source for a drone, by vehicle id or sysid; throws VideoUriError
   * for a URI that is not one. Drones it names switch at once.
   */
  configure(key: string, uri: string | null): void {
    const k = key.trim();
    if (!k) throw new RangeError('a drone: its vehicle id (e.g. "l1-3") or sysid (e.g. "3")');
    if (uri === null) this.configured.delete(k);
    else {
      parseVideoUri(uri);
      this.configured.set(k, uri);
    }
    for (const id of this.slots.keys()) this.update(id);
  }

  /**
   * An admin approves what a drone announced and waits on: it becomes the drone's configured
   * source, the URI as announced (a password in it included, which the list only shows redacted).
   * Null when the drone has nothing announced.
   */
  announcedUri(droneId: string): string | null {
    return this.slots.get(droneId)?.announced ?? null;
  }

  /** The configured mapping, passwords redacted. */
  configuration(): Record<string, string> {
    return Object.fromEntries([...this.configured].map(([k, v]) => [k, redactVideoUri(v)]));
  }

  sourceFor(droneId: string): VideoSource | undefined {
    return this.slots.get(droneId)?.source ?? undefined;
  }

  list(): VideoSourceEntry[] {
    return [...this.slots.values()].map((s) => {
      const from: VideoSourceEntry['from'] = this.configuredFor(s.ref) !== undefined ? 'configured' : s.announced && !s.awaiting ? 'announced' : null;
      // an unapproved URI is never opened, so nothing here can tell whether its port answers
      const waiting = s.announced ? `announced ${redactVideoUri(s.announced)}, waiting for an admin to approve it` : '';
      const problem = s.problem ??
        (from === null ? (s.awaiting ? waiting : s.announceProblem ?? 'no video source: none configured, none announced') : undefined);
      return {
        drone: s.ref.id,
        uri: s.uri ? redactVideoUri(s.uri) : null,
        from,
        announced: s.announced ? redactVideoUri(s.announced) : null,
        awaitingApproval: s.awaiting && from !== 'configured',
        health: s.source?.health() ?? null,
        ...(problem ? { problem } : {}),
      };
    }).sort((a, b) => a.drone.localeCompare(b.drone));
  }

  /** Wait for the opens and closes under way (tests; a clean stop). */
  async settled(): Promise<void> {
    await Promise.all([...this.slots.values()].map((s) => s.work));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    await Promise.all([...this.slots.values()].map(async (s) => {
      const src = s.source;
      s.source = null;
      await src?.close();
    }));
  }

  /**
   * Where an announced RTP port is bound: a drone on this machine (its link on loopback) sends to
   * loopback, so only loopback listens; else the service's own --host; every address only when
   * the service itself listens on every address.
   */
  private bindHostFor(via: AnnouncedVia): string {
    if (via.peerHost && isLoopbackHost(via.peerHost)) return via.peerHost;
    return this.opts.listenHost ?? '0.0.0.0';
  }

  private configuredFor(ref: DroneRef): string | undefined {
    return this.configured.get(ref.id) ?? this.configured.get(String(ref.sysid));
  }

  private update(droneId: string): void {
    const slot = this.slots.get(droneId)!;
    const want = this.configuredFor(slot.ref) ?? (slot.awaiting ? null : slot.announced);
    if (want === slot.uri || this.closed) return;
    slot.uri = want;
    slot.work = slot.work.then(() => this.switchTo(slot, want));
  }

  private async switchTo(slot: Slot, uri: string | null): Promise<void> {
    if (slot.uri !== uri || this.closed) return; // changed again meanwhile: the later switch does it
    const old = slot.source;
    if (old) {
      slot.source = null;
      this.tell(slot.ref.id, null);
      await old.close();
    }
    slot.problem = undefined;
    if (!uri) return;
    const clash = this.portClash(slot, uri);
    if (clash) {
      slot.problem = clash;
      this.opts.log?.(`video ${slot.ref.id}: ${clash}`);
      return;
    }
    try {
      const source = await this.open(uri);
      if (slot.uri !== uri || this.closed) {
        await source.close();
        return;
      }
      slot.source = source;
      this.opts.log?.(`video ${slot.ref.id}: ${source.uri}`);
      this.tell(slot.ref.id, source);
    } catch (err) {
      slot.problem = (err as Error).message;
      this.opts.log?.(`video ${slot.ref.id}: ${slot.problem}`);
    }
  }

  /** Two drones cannot both listen on one UDP port: say so rather than take the other's picture. */
  private portClash(slot: Slot, uri: string): string | undefined {
    const spec = parseVideoUri(uri);
    if (spec.kind !== 'rtp' || spec.port === 0) return undefined;
    for (const other of this.slots.values()) {
      if (other === slot || !other.uri) continue;
      const o = parseVideoUri(other.uri);
      if (o.kind === 'rtp' && o.port === spec.port && other.source) {
        return `UDP port ${spec.port} already carries drone ${other.ref.id}'s video: give each drone its own port (configuration video.sources)`;
      }
    }
    return undefined;
  }

  private tell(droneId: string, source: VideoSource | null): void {
    for (const l of this.listeners) l(droneId, source);
  }
}
