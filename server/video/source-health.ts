import type { Clock, TimerHandle } from '../clock.ts';
import { english, said, type ServerMessage } from '../wire/messages.ts';
import type { DepacketizerCounts } from './rtp-h264.ts';
import type { SourceHealth } from './types.ts';

/** Pictures stop for this long: the tile says "no video since …" (issue 16: within 2 s). */
export const STALE_AFTER_MS = 2000;

type State = SourceHealth['state'];

/**
 * A source's health: live while pictures come, stale when none came for STALE_AFTER_MS (on the
 * injected clock), with the reason in plain words. Listeners hear of a change of state or reason,
 * not of every picture (the counts are read with health() when wanted).
 */
export class HealthTracker {
  private state: State = 'connecting';
  /** ours as a message; a camera's or RTSP server's words as they came */
  private reason: string | ServerMessage | undefined;
  private lastUnitMs: number | undefined;
  private timer: TimerHandle;
  private readonly listeners = new Set<(h: SourceHealth) => void>();
  /** restarts the source made itself (RTSP reconnects), beside the ones the RTP stream showed */
  reconnects = 0;

  constructor(
    private readonly clock: Clock,
    private readonly counts: () => DepacketizerCounts,
    /** the reason to give when pictures stop: what the source knows (no packets at all, only bad ones…) */
    private readonly whyStale: () => string | ServerMessage,
    private readonly staleAfterMs = STALE_AFTER_MS,
  ) {
    this.arm();
  }

  /** A whole picture was delivered. */
  unit(): void {
    this.lastUnitMs = this.clock.now();
    this.arm();
    if (this.state !== 'live') this.set('live', undefined);
  }

  /** Not live, for a reason the source knows (connecting, server gone): the stale timer runs on. */
  set(state: State, reason: string | ServerMessage | undefined): void {
    if (state === this.state && reason === this.reason) return;
    this.state = state;
    this.reason = reason;
    if (state === 'stopped') this.clock.clearTimeout(this.timer);
    const h = this.health();
    for (const l of this.listeners) l(h);
  }

  /** The source's circumstances changed (a connection lost or made): when not live, the reason says so at once. */
  changed(): void {
    if (this.state === 'stale' || this.state === 'connecting') this.set(this.state, this.whyStale());
  }

  /** The source knows the pictures have stopped (its connection ended): stale now, not 2 s later. */
  stale(): void {
    if (this.state !== 'stopped') this.set('stale', this.whyStale());
  }

  health(): SourceHealth {
    const c = this.counts();
    return {
      state: this.state,
      ...(this.lastUnitMs !== undefined ? { lastUnitMs: this.lastUnitMs } : {}),
      units: c.units,
      badPackets: c.badPackets,
      lostPackets: c.lostPackets,
      restarts: c.restarts + this.reconnects,
      ...(typeof this.reason === 'string' ? { reason: this.reason } : {}),
      ...(typeof this.reason === 'object' ? { reason: english(this.reason), said: this.reason } : {}),
    };
  }

  onChange(listener: (h: SourceHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.set('stopped', said('video_closed'));
    this.listeners.clear();
  }

  private arm(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      if (this.state === 'stopped') return;
      this.set('stale', this.whyStale());
      this.arm(); // the reason may change while it stays stale (packets come back, but no key picture yet)
    }, this.staleAfterMs);
  }
}
