/**
 * An RTSP camera (rtsp://[USER:PASS@]HOST[:PORT]/PATH) as a VideoSource: it plays the camera's
 * H.264/H.265 track (rtsp-session.ts, RTP interleaved over TCP) and, when the camera goes away
 * (connection closed or refused, no answer, no picture for RECONNECT_WHEN_SILENT_MS), connects
 * again after 1, 2, 4 … up to 30 s (on the injected clock), for as long as it is open. Health:
 * connecting, live, stale with the reason ("connection refused; again in 4 s").
 */
import { realClock, type Clock, type TimerHandle } from '../clock.ts';
import { ParameterSetTracker } from './parameter-sets.ts';
import { RtpDepacketizer, type DepacketizerCounts } from './rtp-h264.ts';
import { RtspSession } from './rtsp-session.ts';
import type { VideoTrack } from './sdp-track.ts';
import { HealthTracker } from './source-health.ts';
import type { AccessUnit, ParameterSets, SourceHealth, VideoSource } from './types.ts';
import type { SourceOptions } from './udp-source.ts';
import { parseVideoUri, redactVideoUri, VideoUriError } from './video-uri.ts';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
/** connected, but no picture for this long: the camera's encoder is stuck; start the session again */
const RECONNECT_WHEN_SILENT_MS = 10_000;
const TIMEOUT_MS = 10_000;

export interface RtspSourceOptions extends SourceOptions {
  /** connect and request timeout (default 10 s) */
  timeoutMs?: number;
}

export class RtspVideoSource implements VideoSource {
  readonly uri: string;
  private readonly url: URL;
  private readonly clock: Clock;
  private session: RtspSession | null = null;
  private depacketizer: RtpDepacketizer | null = null;
  /** counts of the sessions before this one */
  private past: DepacketizerCounts = { units: 0, badPackets: 0, lostPackets: 0, restarts: 0 };
  private sets: ParameterSetTracker | null = null;
  private readonly healthTracker: HealthTracker;
  private readonly unitListeners = new Set<(u: AccessUnit) => void>();
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: TimerHandle;
  private silenceTimer: TimerHandle;
  /** what the connection is doing, for the reason when there are no pictures */
  private status = 'connecting';
  private closed = false;

  constructor(uri: string, private readonly opts: RtspSourceOptions = {}) {
    const spec = parseVideoUri(uri);
    if (spec.kind !== 'rtsp') throw new VideoUriError(`${redactVideoUri(uri)}: not an rtsp:// URI`);
    this.url = spec.url;
    this.uri = spec.uri;
    this.clock = opts.clock ?? realClock;
    this.healthTracker = new HealthTracker(this.clock, () => this.counts(), () => this.status, opts.staleAfterMs);
    this.healthTracker.changed();
    this.connect();
  }

  parameterSets(): ParameterSets | undefined {
    return this.sets?.current();
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
    this.closed = true;
    this.clock.clearTimeout(this.retryTimer);
    this.clock.clearTimeout(this.silenceTimer);
    this.session?.close();
    this.healthTracker.stop();
    this.unitListeners.clear();
  }

  /** Restarts (RTSP reconnects) are the tracker's own; the RTP stream restarting within one session is not counted twice. */
  private counts(): DepacketizerCounts {
    const now = this.depacketizer?.counts ?? { units: 0, badPackets: 0, lostPackets: 0, restarts: 0 };
    return {
      units: this.past.units + now.units,
      badPackets: this.past.badPackets + now.badPackets,
      lostPackets: this.past.lostPackets + now.lostPackets,
      restarts: 0,
    };
  }

  private say(status: string): void {
    this.status = status;
    this.healthTracker.changed();
  }

  private connect(): void {
    if (this.closed) return;
    const session: RtspSession = new RtspSession(this.url, {
      clock: this.clock,
      timeoutMs: this.opts.timeoutMs ?? TIMEOUT_MS,
      credentials: this.url.username ? { user: decodeURIComponent(this.url.username), password: decodeURIComponent(this.url.password) } : undefined,
      track: (track) => {
        if (this.session === session) this.newTrack(track);
      },
      rtp: (packet) => this.depacketizer?.push(packet, this.clock.now()),
      ended: (why) => this.ended(session, why),
      debug: this.opts.debug,
    });
    this.session = session;
    session.start().then((track) => {
      if (this.session !== session) return;
      this.say(`playing ${track.codec.toUpperCase()}, waiting for a key picture`);
      this.watchSilence();
    }, (err: Error) => {
      if (this.session === session) this.retry(err.message);
    });
  }

  /** A session's track, known before SETUP: its own depacketizer (the last one's counts kept) and the SDP's parameter sets. */
  private newTrack(track: VideoTrack): void {
    if (this.depacketizer) {
      const c = this.depacketizer.counts;
      this.past = {
        units: this.past.units + c.units,
        badPackets: this.past.badPackets + c.badPackets,
        lostPackets: this.past.lostPackets + c.lostPackets,
        restarts: 0,
      };
    }
    this.depacketizer = new RtpDepacketizer({
      codec: track.codec,
      payloadType: track.payloadType,
      donl: track.donl,
      unit: (u) => this.deliver(u),
      note: this.opts.debug,
    });
    if (this.sets?.codec !== track.codec) this.sets = new ParameterSetTracker(track.codec);
    for (const list of track.sprop) this.sets.addSprop(list);
  }

  private ended(session: RtspSession, why: string): void {
    if (this.session !== session || this.closed) return;
    this.retry(why);
  }

  private retry(why: string): void {
    if (this.closed) return;
    this.clock.clearTimeout(this.silenceTimer);
    const session = this.session;
    this.session = null;
    session?.close();
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.status = `${why}; connecting again in ${wait / 1000} s`;
    if (this.healthTracker.health().state === 'live') this.healthTracker.stale();
    else this.healthTracker.changed();
    this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.clock.setTimeout(() => {
      this.healthTracker.reconnects++;
      this.say('connecting again');
      this.connect();
    }, wait);
  }

  private watchSilence(): void {
    this.clock.clearTimeout(this.silenceTimer);
    this.silenceTimer = this.clock.setTimeout(() => this.retry(`no picture for ${RECONNECT_WHEN_SILENT_MS / 1000} s`), RECONNECT_WHEN_SILENT_MS);
  }

  private deliver(unit: AccessUnit): void {
    this.retryMs = FIRST_RETRY_MS; // pictures again: the next loss starts from a short wait
    this.watchSilence();
    this.sets?.fromUnit(unit);
    this.status = 'playing';
    this.healthTracker.unit();
    for (const l of this.unitListeners) l(unit);
  }
}
