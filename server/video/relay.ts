/**
 * Each drone's pictures to everyone watching it. A picture is wrapped into an MP4 fragment once
 * (fmp4.ts) and the same bytes go to every viewer. A viewer who joins gets the init segment and
 * the pictures since the last key picture (kept while they are few), so it shows a picture at
 * once; or, when those are not kept, starts at the next key picture.
 *
 * A slow viewer never holds the others up and never makes the service hold its pictures: sending
 * never waits, and a viewer whose unsent bytes (its socket's write buffer) are over a bound gets
 * nothing until its buffer has drained below the bound and a key picture comes, so what it
 * decodes next is whole. Its memory is at most the bound plus one picture.
 */
import { EventEmitter } from 'node:events';
import { english, said } from '../wire/messages.ts';
import type { VideoFeedView, VideoMessage } from '../wire/types.ts';
import { breaksTimeline, Fragmenter, initSegment, type InitSegment } from './fmp4.ts';
import type { AccessUnit, ParameterSets, SourceHealth, VideoSource } from './types.ts';

/** A feed without a source: our words, so the pages say them in their language. */
const NO_CAMERA = { reason: english(said('video_no_camera')), said: said('video_no_camera') };

/** Where a viewer's pictures go: the http layer's WebSocket. */
export interface ViewerChannel {
  /** bytes handed to the channel and not yet on the network */
  buffered(): number;
  sendBinary(data: Buffer): void;
  sendText(message: VideoMessage): void;
}

export interface RelaySettings {
  /** a viewer with more unsent bytes than this skips to the next key picture (default 1 MB: 4 s at 2 Mbit/s) */
  maxBufferedBytes: number;
  /** the pictures since the last key one are kept for joining viewers while they hold fewer bytes (default 4 MB) */
  maxGopBytes: number;
}

export const DEFAULT_RELAY: RelaySettings = { maxBufferedBytes: 1 << 20, maxGopBytes: 4 << 20 };

/** What the relay counts for one viewer (tests, metrics). */
export interface ViewerStats {
  /** pictures sent and skipped */
  sent: number;
  skipped: number;
  /** times it fell behind and was made to wait for a key picture */
  fellBehind: number;
  /** the most unsent bytes seen when a picture was due */
  maxBuffered: number;
}

class Viewer {
  readonly stats: ViewerStats = { sent: 0, skipped: 0, fellBehind: 0, maxBuffered: 0 };
  /** the init segment must go before its next fragment */
  needsInit = true;
  waitingForKey = true;
  constructor(readonly channel: ViewerChannel) {}
}

/** One drone's feed: its source (while it has one), the current stream and who watches. */
class Feed {
  source: VideoSource | null = null;
  unsubscribe: Array<() => void> = [];
  init: InitSegment | null = null;
  private initKey = '';
  fragmenter: Fragmenter | null = null;
  lastPts: number | undefined;
  /** fragments since the last key picture, for joining viewers; null while over the size bound */
  gop: Buffer[] | null = null;
  gopBytes = 0;
  health: SourceHealth = { state: 'stopped', units: 0, badPackets: 0, lostPackets: 0, restarts: 0, ...NO_CAMERA };
  readonly viewers = new Set<Viewer>();
  /** pictures that could not be relayed: no parameter sets yet, or waiting for a key picture to start */
  dropped = 0;

  constructor(readonly vehicleId: string, private readonly settings: RelaySettings) {}

  view(): VideoFeedView {
    return {
      vehicleId: this.vehicleId,
      state: this.health.state,
      lastPictureAt: this.health.lastUnitMs ?? null,
      reason: this.health.state === 'live' ? null : this.health.reason ?? null,
      ...(this.health.state !== 'live' && this.health.said ? { said: this.health.said } : {}),
      codec: this.init?.codec ?? null,
      codecs: this.init?.codecs ?? null,
      width: this.init?.width ?? null,
      height: this.init?.height ?? null,
    };
  }

  initMessage(): VideoMessage {
    const i = this.init!;
    return { type: 'init', codec: i.codec, codecs: i.codecs, mime: i.mime, width: i.width, height: i.height };
  }

  private static keyOf(ps: ParameterSets): string {
    return [ps.codec, ps.vps?.toString('hex') ?? '', ps.sps.toString('hex'), ps.pps.toString('hex'), ps.width, ps.height].join(':');
  }

  /** A new stream is due when there is none yet, time jumped (a restarted camera) or the parameter sets changed. */
  private needsNewStream(unit: AccessUnit, ps: ParameterSets): boolean {
    return !this.init || breaksTimeline(this.lastPts, unit.pts90k) || (unit.key && Feed.keyOf(ps) !== this.initKey);
  }

  /** Starts a stream at this key picture: a new init segment and timeline, which every viewer gets before its next picture. */
  private startStream(unit: AccessUnit, ps: ParameterSets): void {
    this.init = initSegment(ps);
    this.initKey = Feed.keyOf(ps);
    this.fragmenter = new Fragmenter(unit.pts90k);
    for (const v of this.viewers) {
      v.needsInit = true;
      v.waitingForKey = true;
    }
  }

  receive(unit: AccessUnit): void {
    const ps = this.source?.parameterSets();
    if (!ps || ps.codec !== unit.codec) {
      this.dropped++;
      return;
    }
    if (this.needsNewStream(unit, ps)) {
      // A stream can only start at a key picture; until one comes there is nothing to decode.
      if (!unit.key) {
        this.init = null;
        this.gop = null;
        this.dropped++;
        return;
      }
      this.startStream(unit, ps);
    }
    this.lastPts = unit.pts90k;
    const fragment = this.fragmenter!.fragment(unit);
    this.keep(fragment, unit.key);
    for (const v of this.viewers) this.deliver(v, fragment, unit.key);
  }

  private keep(fragment: Buffer, key: boolean): void {
    if (key) {
      this.gop = [];
      this.gopBytes = 0;
    }
    if (!this.gop) return;
    this.gopBytes += fragment.length;
    if (this.gopBytes > this.settings.maxGopBytes) this.gop = null;
    else this.gop.push(fragment);
  }

  private deliver(v: Viewer, fragment: Buffer, key: boolean): void {
    const buffered = v.channel.buffered();
    v.stats.maxBuffered = Math.max(v.stats.maxBuffered, buffered);
    const behind = buffered > this.settings.maxBufferedBytes;
    if (!v.waitingForKey && behind) {
      v.waitingForKey = true;
      v.stats.fellBehind++;
    }
    if (v.waitingForKey && (!key || behind)) {
      v.stats.skipped++;
      return;
    }
    if (v.needsInit) this.sendInit(v);
    v.waitingForKey = false;
    v.channel.sendBinary(fragment);
    v.stats.sent++;
  }

  private sendInit(v: Viewer): void {
    v.channel.sendText(this.initMessage());
    v.channel.sendBinary(this.init!.segment);
    v.needsInit = false;
  }

  /** A joining viewer: the feed's state, then the pictures since the last key one when kept. */
  join(v: Viewer): void {
    this.viewers.add(v);
    v.channel.sendText({ type: 'feed', feed: this.view() });
    if (!this.init || !this.gop?.length) return;
    this.sendInit(v);
    for (const f of this.gop) v.channel.sendBinary(f);
    v.stats.sent += this.gop.length;
    v.waitingForKey = false;
  }

  setHealth(h: SourceHealth): void {
    this.health = h;
    const message: VideoMessage = { type: 'feed', feed: this.view() };
    for (const v of this.viewers) v.channel.sendText(message);
  }

  detachSource(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.source = null;
    this.init = null;
    this.gop = null;
    this.lastPts = undefined;
  }
}

/**
 * The relay: sources attached per drone, viewers joined per drone. Emits 'feed' with a drone's
 * view whenever its state changes (for the pages' lists).
 */
export class VideoRelay extends EventEmitter<{ feed: [VideoFeedView] }> {
  private readonly feeds = new Map<string, Feed>();
  readonly settings: RelaySettings;

  constructor(settings: Partial<RelaySettings> = {}) {
    super();
    this.settings = { ...DEFAULT_RELAY, ...settings };
  }

  /** Relays this source as the drone's camera (replacing one it had). */
  attach(vehicleId: string, source: VideoSource): void {
    const feed = this.feeds.get(vehicleId) ?? new Feed(vehicleId, this.settings);
    this.feeds.set(vehicleId, feed);
    feed.detachSource();
    feed.source = source;
    feed.unsubscribe = [
      source.onUnit((u) => feed.receive(u)),
      source.onHealth((h) => {
        feed.setHealth(h);
        this.emit('feed', feed.view());
      }),
    ];
    feed.setHealth(source.health());
    this.emit('feed', feed.view());
  }

  /** The drone has no camera any more; its viewers are told and stay connected in case one comes back. */
  detach(vehicleId: string): void {
    const feed = this.feeds.get(vehicleId);
    if (!feed?.source) return;
    feed.detachSource();
    feed.setHealth({ ...feed.health, state: 'stopped', ...NO_CAMERA });
    this.emit('feed', feed.view());
  }

  has(vehicleId: string): boolean {
    return this.feeds.get(vehicleId)?.source != null;
  }

  feed(vehicleId: string): VideoFeedView | undefined {
    return this.feeds.get(vehicleId)?.view();
  }

  list(): VideoFeedView[] {
    return [...this.feeds.values()].filter((f) => f.source).map((f) => f.view());
  }

  /** A viewer starts watching; returns leave() and its counts. Throws for a drone without a camera. */
  join(vehicleId: string, channel: ViewerChannel): { leave(): void; stats: ViewerStats } {
    const feed = this.feeds.get(vehicleId);
    if (!feed?.source) throw new Error(`drone ${vehicleId} has no camera`);
    const v = new Viewer(channel);
    feed.join(v);
    return { leave: () => feed.viewers.delete(v), stats: v.stats };
  }

  /** Viewers per drone, and pictures a feed could not relay (metrics). */
  counts(): Array<{ vehicleId: string; viewers: number; dropped: number }> {
    return [...this.feeds.values()].map((f) => ({ vehicleId: f.vehicleId, viewers: f.viewers.size, dropped: f.dropped }));
  }

  /** Stops listening to every source (the sources themselves belong to whoever made them). */
  close(): void {
    for (const f of this.feeds.values()) f.detachSource();
  }
}
