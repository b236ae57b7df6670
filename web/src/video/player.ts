/**
 * A drone's live picture in a <video>: fragmented MP4 from the service's video socket
 * (/api/video/:id/live) appended to Media Source Extensions as it comes. MSE rather than WebRTC:
 * Firefox plays H.264 in MSE through the system's decoder, but needs the OpenH264 plug-in for
 * WebRTC, which a police network cannot download (README, "Live video").
 *
 * Kept close to live: the buffer holds only seconds; when the picture falls more than a fifth of a
 * second behind the newest one received (a slow decoder, a tab in the background, a gap after
 * skipped pictures) it jumps to the newest. Its state says live, or stale since when (from
 * the source's health, or from pictures stopping here), so a tile can say "no video since 21:04:07".
 * It reconnects by itself.
 */
import { signal } from '@preact/signals';
import type { ServerMessage } from '../../../server/wire/messages.ts';
import { VIDEO_CLOSE, type VideoFeedView, type VideoMessage } from '../../../server/wire/types.ts';

export type PlayerState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  /** since: when the last picture came (ms since the epoch), null when none ever did */
  /** said: why, when the service says it in its own words (a camera's words are not shown) */
  | { kind: 'stale'; since: number | null; reason: string | null; said?: ServerMessage }
  /** the stream's codec is one this browser cannot decode (H.265 in most) */
  | { kind: 'unsupported'; codecs: string; codec: 'h264' | 'h265' }
  /** the service ended the socket: the session ended, or this user may no longer watch this drone */
  | { kind: 'ended'; why: 'session' | 'forbidden' };

/**
 * Behind the newest picture by more than this, jump to it: at first 0.2 s (measured: the picture
 * then stays about two frames behind what has arrived, bench/video.bench.ts). A network whose
 * pictures come in bursts would make it jump again and again, so each jump within JUMPS_CLOSE_MS
 * of the last allows half as much again, up to a second; quiet minutes bring it back down.
 */
const MIN_LAG_S = 0.2;
const MAX_LAG_S = 1;
const JUMPS_CLOSE_MS = 5000;
/**
 * Between jumps the picture drifts back (the decoder waits for data at the edge); played a little
 * faster while more than CATCH_UP_S behind, it comes back to about two frames behind.
 */
const CATCH_UP_S = 0.12;
const CAUGHT_UP_S = 0.07;
const CATCH_UP_RATE = 1.1;
const CALM_MS = 30_000;
/** Where a jump lands: this far before the end of what is buffered (about one picture). */
const JUMP_TO_S = 0.04;
/** Pictures stopping for this long make the tile stale here, whatever the source says (the network may be what failed). */
const NO_PICTURES_MS = 1500;
/** What is kept behind the picture on screen. */
const KEEP_BEHIND_S = 10;
const RETRY_MS = [1000, 2000, 4000, 8000];

type MediaSourceClass = typeof MediaSource;

/** MediaSource, or Safari's ManagedMediaSource on iPhones (iOS 17.1 and later have only that). */
function mediaSourceClass(): MediaSourceClass | undefined {
  const w = window as unknown as { MediaSource?: MediaSourceClass; ManagedMediaSource?: MediaSourceClass };
  return w.MediaSource ?? w.ManagedMediaSource;
}

/** Can this browser play the stream at all (asked before any byte is appended)? */
export function canPlay(mime: string): boolean {
  return mediaSourceClass()?.isTypeSupported(mime) ?? false;
}

export class VideoPlayer {
  readonly video: HTMLVideoElement;
  readonly state = signal<PlayerState>({ kind: 'connecting' });
  /** the service's view of the camera (codec, size, the source's health) */
  readonly feed = signal<VideoFeedView | null>(null);
  /** pictures received, and jumps made to catch up (tests, the bench) */
  pictures = 0;
  jumps = 0;
  private ws: WebSocket | null = null;
  private media: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private url: string | null = null;
  private queue: ArrayBuffer[] = [];
  /** binary messages are taken only after an 'init' this browser can play */
  private accepting = false;
  private lastPictureAt: number | null = null;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly watchdog: ReturnType<typeof setInterval>;
  private stopped = false;
  private maxLag = MIN_LAG_S;
  private lastJump = 0;

  constructor(readonly vehicleId: string) {
    this.video = document.createElement('video');
    this.video.className = 'video__picture';
    // Autoplay is allowed only muted; the drones send no sound anyway.
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.disablePictureInPicture = true;
    this.video.dataset.vehicleId = vehicleId;
    this.watchdog = setInterval(() => this.checkPictures(), 500);
    this.connect();
  }

  /** Stops for good: the socket, the decoder, the timers. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.watchdog);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.ws?.close(1000, 'closed by the page');
    this.ws = null;
    this.teardown();
  }

  private connect(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/api/video/${encodeURIComponent(this.vehicleId)}/live`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => (this.retries = 0);
    ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      if (typeof event.data === 'string') this.onText(JSON.parse(event.data) as VideoMessage);
      else this.onBinary(event.data);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      this.accepting = false;
      if (event.code === VIDEO_CLOSE.sessionEnded) this.state.value = { kind: 'ended', why: 'session' };
      else if (event.code === VIDEO_CLOSE.forbidden) this.state.value = { kind: 'ended', why: 'forbidden' };
      else if (this.state.value.kind === 'live') this.state.value = { kind: 'stale', since: this.lastPictureAt, reason: null };
      // Again after a while in every case: after a new login, or when the drone serves the incident again, it works again.
      const delay = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)]!;
      this.retryTimer = setTimeout(() => this.connect(), event.code === VIDEO_CLOSE.sessionEnded ? 5000 : delay);
    };
  }

  private onText(m: VideoMessage): void {
    if (m.type === 'feed') {
      this.feed.value = m.feed;
      if (m.feed.state !== 'live') {
        this.state.value = {
          kind: 'stale',
          since: m.feed.lastPictureAt ?? this.lastPictureAt,
          reason: m.feed.reason,
          ...(m.feed.said ? { said: m.feed.said } : {}),
        };
      }
      return;
    }
    // A new stream (first picture, restarted camera, new size): a new decoder for it.
    if (!canPlay(m.mime)) {
      this.accepting = false;
      this.teardown();
      this.state.value = { kind: 'unsupported', codecs: m.codecs, codec: m.codec };
      return;
    }
    this.accepting = true;
    this.open(m.mime);
  }

  private onBinary(data: ArrayBuffer): void {
    if (!this.accepting) return;
    this.queue.push(data);
    // 'moof' at bytes 4..8: a picture (the init segment starts with 'ftyp')
    if (data.byteLength > 8 && new Uint8Array(data, 4, 4).every((b, i) => b === 'moof'.charCodeAt(i))) {
      this.pictures++;
      this.lastPictureAt = Date.now();
      if (this.state.value.kind !== 'live' && this.feed.value?.state !== 'stale') this.state.value = { kind: 'live' };
    }
    this.pump();
  }

  /** A fresh MediaSource for a stream of this type. */
  private open(mime: string): void {
    this.teardown();
    const Media = mediaSourceClass()!;
    const media = new Media();
    this.media = media;
    this.url = URL.createObjectURL(media);
    this.video.src = this.url;
    media.addEventListener(
      'sourceopen',
      () => {
        if (this.media !== media) return;
        const buffer = media.addSourceBuffer(mime);
        buffer.mode = 'segments';
        // A live stream: its length is unknown. Chromium then renders each decoded frame at once
        // instead of first buffering about 200 ms of them (its rule for streams of infinite duration).
        media.duration = Infinity;
        buffer.addEventListener('updateend', () => {
          this.keepUp();
          this.pump();
        });
        this.buffer = buffer;
        this.pump();
      },
      { once: true },
    );
  }

  private teardown(): void {
    this.buffer = null;
    this.media = null;
    this.queue = [];
    if (this.url) {
      this.video.removeAttribute('src');
      this.video.load();
      URL.revokeObjectURL(this.url);
      this.url = null;
    }
  }

  /** Appends the next piece when the buffer is free; drops what is far behind first. */
  private pump(): void {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || this.media?.readyState !== 'open') return;
    const played = this.video.currentTime;
    if (buffer.buffered.length && played - buffer.buffered.start(0) > 2 * KEEP_BEHIND_S) {
      buffer.remove(0, played - KEEP_BEHIND_S);
      return;
    }
    const next = this.queue.shift();
    if (!next) return;
    try {
      buffer.appendBuffer(next);
    } catch {
      // The decoder refused the data (a broken stream) or the buffer is full: start again from the next stream.
      this.accepting = false;
      this.teardown();
      this.ws?.close(4000, 'the browser could not take the stream');
    }
  }

  /** Plays, and jumps to the newest picture when too far behind it (or stuck before a gap). */
  private keepUp(): void {
    const v = this.video;
    const ranges = v.buffered;
    if (ranges.length === 0) return;
    const start = ranges.start(ranges.length - 1);
    const end = ranges.end(ranges.length - 1);
    const now = performance.now();
    if (now - this.lastJump > CALM_MS) this.maxLag = MIN_LAG_S;
    if (v.currentTime < start || end - v.currentTime > this.maxLag) {
      if (now - this.lastJump < JUMPS_CLOSE_MS) this.maxLag = Math.min(MAX_LAG_S, this.maxLag * 1.5);
      this.lastJump = now;
      v.currentTime = Math.max(start, end - JUMP_TO_S);
      this.jumps++;
    }
    const behind = end - v.currentTime;
    if (behind > CATCH_UP_S) v.playbackRate = CATCH_UP_RATE;
    else if (behind < CAUGHT_UP_S) v.playbackRate = 1;
    if (v.paused) void v.play().catch(() => {});
  }

  private checkPictures(): void {
    if (this.state.value.kind === 'live' && this.lastPictureAt !== null && Date.now() - this.lastPictureAt > NO_PICTURES_MS) {
      this.state.value = { kind: 'stale', since: this.lastPictureAt, reason: null };
    }
  }
}
