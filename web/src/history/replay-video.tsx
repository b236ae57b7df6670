/**
 * A past run's recorded video, in step with the replay's time slider. The run's files (about a
 * minute each, fragmented MP4, GET /api/runs/:id/video; a goto's: /api/gotos/:id/video) go into one Media Source Extensions
 * buffer on the run's own clock: a file's pictures are placed at its wall-clock start less the
 * run's (timestampOffset), so the video's currentTime is always "seconds since the run started"
 * and a moment of the slider is one moment of the video. Only the files around the moment shown
 * are fetched and kept. A moment no file covers (before the first key picture, a gap in the
 * source, the service down) shows no picture and says so: a gap is never a frozen frame.
 *
 * MSE rather than <video src=file>: a fragmented MP4 without an index seeks badly in a plain
 * <video> (the decoder would read every fragment before the moment), while MSE has the whole
 * minute buffered and seeks inside it at once; and it plays contiguous files as one.
 */
import { signal } from '@preact/signals';
import type { RecordingSegmentView, RunVideoView } from '../../../server/wire/types.ts';
import { clockTime } from '../format.ts';
import { t } from '../i18n.ts';
import { reasonSaid, requestJson } from '../live.ts';
import { Said } from '../said.tsx';
import './replay-video.css';

export type ReplayVideoState =
  | { kind: 'loading' }
  /** no video was recorded during this run */
  | { kind: 'none' }
  /** no picture at the moment shown: until, when the next file starts (null: none after it) */
  | { kind: 'gap'; until: number | null }
  | { kind: 'showing' }
  /** this browser cannot decode the recording (H.265 in most) */
  | { kind: 'unsupported'; codec: string }
  | { kind: 'failed'; reason: ReturnType<typeof reasonSaid> };

/** Keep buffered this far behind and ahead of the moment shown (s); farther goes. */
const KEEP_BEHIND_S = 90;
const KEEP_AHEAD_S = 150;
/** Browsers play video at most this much faster (Chromium: 16); above it the video is moved by seeking. */
const MAX_RATE = 16;

type MediaSourceClass = typeof MediaSource;
const mediaSourceClass = () =>
  (window as unknown as { MediaSource?: MediaSourceClass; ManagedMediaSource?: MediaSourceClass }).MediaSource
    ?? (window as unknown as { ManagedMediaSource?: MediaSourceClass }).ManagedMediaSource;

export class ReplayVideo {
  readonly video: HTMLVideoElement;
  readonly state = signal<ReplayVideoState>({ kind: 'loading' });
  segments: RecordingSegmentView[] = [];
  private media: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private url: string | null = null;
  private mime = '';
  /** work on the buffer, one at a time (it takes one append or remove at once) */
  private readonly ops: Array<() => void> = [];
  /** files appended, or being fetched */
  private readonly loaded = new Set<number>();
  private readonly fetching = new Set<number>();
  /** the last moment asked for, followed again when a file has arrived */
  private wanted: { time: number; playing: boolean; speed: number } | null = null;
  private stopped = false;

  /** api: where the flight's video is listed (`${api}/video`) and exported (`${api}/video.mp4`), a run's or a goto's */
  constructor(readonly api: string, private readonly origin: number) {
    this.video = document.createElement('video');
    this.video.className = 'replay-video__picture';
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.disablePictureInPicture = true;
    void this.load();
  }

  get exportHref(): string {
    return `${this.api}/video.mp4`;
  }

  private async load(): Promise<void> {
    try {
      const view = await requestJson<RunVideoView>('GET', `${this.api}/video`);
      if (this.stopped) return;
      this.segments = view.segments;
      if (!view.segments.length) {
        this.state.value = { kind: 'none' };
        return;
      }
      const first = view.segments[0]!;
      const Media = mediaSourceClass();
      if (!Media?.isTypeSupported(first.mime)) {
        this.state.value = { kind: 'unsupported', codec: first.codec.toUpperCase() };
        return;
      }
      this.open(Media, first.mime);
    } catch (error) {
      if (!this.stopped) this.state.value = { kind: 'failed', reason: reasonSaid(error) };
    }
  }

  private open(Media: MediaSourceClass, mime: string): void {
    const media = new Media();
    this.media = media;
    this.url = URL.createObjectURL(media);
    this.video.src = this.url;
    media.addEventListener(
      'sourceopen',
      () => {
        if (this.media !== media) return;
        this.mime = mime;
        this.buffer = media.addSourceBuffer(mime);
        this.buffer.addEventListener('updateend', () => {
          this.next();
          if (this.wanted) this.follow(this.wanted.time, this.wanted.playing, this.wanted.speed);
        });
        this.state.value = { kind: 'gap', until: this.segments[0]?.startedAt ?? null };
        if (this.wanted) this.follow(this.wanted.time, this.wanted.playing, this.wanted.speed);
      },
      { once: true },
    );
  }

  private next(): void {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || this.media?.readyState !== 'open') return;
    this.ops.shift()?.();
  }

  private at(time: number): RecordingSegmentView | undefined {
    return this.segments.find((s) => s.startedAt <= time && time < s.endedAt);
  }

  /** Fetches a file and queues its append at its place on the run's clock. */
  private fetchSegment(s: RecordingSegmentView): void {
    if (this.loaded.has(s.id) || this.fetching.has(s.id) || !this.buffer) return;
    this.fetching.add(s.id);
    fetch(`/api/recordings/${s.id}.mp4`)
      .then((res) => (res.ok ? res.arrayBuffer() : Promise.reject(new Error(`GET /api/recordings/${s.id}.mp4: HTTP ${res.status}`))))
      .then((data) => {
        this.fetching.delete(s.id);
        if (this.stopped) return;
        this.ops.push(() => {
          const buffer = this.buffer!;
          try {
            // A camera that changed codec or profile mid-run: the same buffer, told the new type.
            if (s.mime !== this.mime && 'changeType' in buffer) {
              buffer.changeType(s.mime);
              this.mime = s.mime;
            }
            buffer.timestampOffset = (s.startedAt - this.origin) / 1000;
            buffer.appendBuffer(data);
            this.loaded.add(s.id);
          } catch (error) {
            this.state.value = { kind: 'failed', reason: reasonSaid(error) };
          }
        });
        this.next();
      }, (error: unknown) => {
        this.fetching.delete(s.id);
        if (!this.stopped) this.state.value = { kind: 'failed', reason: reasonSaid(error) };
      });
  }

  /** Drops what lies far from the moment shown, and forgets the files it held. */
  private evict(seconds: number): void {
    const far = this.segments.filter((s) =>
      this.loaded.has(s.id)
      && ((s.endedAt - this.origin) / 1000 < seconds - KEEP_BEHIND_S || (s.startedAt - this.origin) / 1000 > seconds + KEEP_AHEAD_S)
    );
    if (!far.length) return;
    for (const s of far) this.loaded.delete(s.id);
    // one removal per op: the buffer takes one change at a time
    if (seconds - KEEP_BEHIND_S > 0) this.ops.push(() => this.buffer!.remove(0, seconds - KEEP_BEHIND_S));
    this.ops.push(() => {
      const buffer = this.buffer!;
      const ends = buffer.buffered.length ? buffer.buffered.end(buffer.buffered.length - 1) : 0;
      if (ends > seconds + KEEP_AHEAD_S) buffer.remove(seconds + KEEP_AHEAD_S, ends);
      else this.next(); // nothing ahead to drop: on to the next op
    });
  }

  private buffered(seconds: number): boolean {
    const r = this.video.buffered;
    for (let i = 0; i < r.length; i++) if (r.start(i) <= seconds + 0.001 && seconds < r.end(i)) return true;
    return false;
  }

  /**
   * The replay shows `time` (ms since the epoch), playing or not, at `speed`: the video shows the
   * same moment. Called at every move of the slider and every frame of the replay's playback.
   */
  follow(time: number, playing: boolean, speed: number): void {
    this.wanted = { time, playing, speed };
    const kind = this.state.value.kind;
    if (!this.buffer || kind === 'none' || kind === 'unsupported' || kind === 'failed') return;
    const v = this.video;
    const seg = this.at(time);
    const next = this.segments.find((s) => s.startedAt > time);
    if (!seg) {
      if (!v.paused) v.pause();
      if (next) this.fetchSegment(next); // ready for when the replay gets there
      if (kind !== 'gap' || this.state.value.kind === 'gap' && this.state.value.until !== (next?.startedAt ?? null)) {
        this.state.value = { kind: 'gap', until: next?.startedAt ?? null };
      }
      return;
    }
    const seconds = (time - this.origin) / 1000;
    this.evict(seconds);
    this.fetchSegment(seg);
    if (next) this.fetchSegment(next);
    this.next();
    if (!this.buffered(seconds)) return; // followed again when its file is in
    if (kind !== 'showing') this.state.value = { kind: 'showing' };
    if (playing && speed <= MAX_RATE) {
      if (v.playbackRate !== speed) v.playbackRate = speed;
      // Playing by itself; put back only when it drifts from the replay's clock.
      if (v.paused || Math.abs(v.currentTime - seconds) > Math.max(0.3, speed * 0.25)) v.currentTime = seconds;
      if (v.paused) void v.play().catch(() => {});
    } else {
      if (!v.paused) v.pause();
      // One seek at a time: a seek under way finishes first, the next frame asks again.
      if (!v.seeking && Math.abs(v.currentTime - seconds) > 0.01) v.currentTime = seconds;
    }
  }

  stop(): void {
    this.stopped = true;
    this.ops.length = 0;
    this.buffer = null;
    this.media = null;
    if (this.url) {
      this.video.removeAttribute('src');
      this.video.load();
      URL.revokeObjectURL(this.url);
      this.url = null;
    }
  }
}

/** Why it failed: the service's message in the page's language, or plain words. */
function Reason({ reason }: { reason: ReturnType<typeof reasonSaid> }) {
  if (typeof reason === 'string') return <>{reason}</>;
  if (typeof reason === 'function') return <>{reason()}</>;
  return <Said said={reason} fallback='' />;
}

/** The picture box over the replay bar, and what it says when there is no picture. */
export function ReplayVideoView({ video }: { video: ReplayVideo }) {
  const state = video.state.value;
  return (
    <figure class='replay-video' data-state={state.kind}>
      <div
        class='replay-video__frame'
        ref={(el) => {
          if (el && video.video.parentElement !== el) el.appendChild(video.video);
        }}
      />
      <figcaption class='replay-video__note'>
        {state.kind === 'loading' && t('replayVideoLoading')}
        {state.kind === 'none' && t('replayVideoNone')}
        {state.kind === 'gap' && (state.until !== null ? t('replayVideoGapUntil', { time: clockTime(state.until) }) : t('replayVideoGap'))}
        {state.kind === 'unsupported' && t('replayVideoUnsupported', { codec: state.codec })}
        {state.kind === 'failed' && (
          <>
            {t('replayVideoFailed')} <Reason reason={state.reason} />
          </>
        )}
      </figcaption>
    </figure>
  );
}
