import { Link } from '../links/link.ts';
import type { Prng } from './prng.ts';

/**
 * Misbehaviour of one drone's radio link, per direction. Probabilities are per packet (vehicle
 * to ground, each MAVLink packet) or per chunk (ground to vehicle, as the transport delivers it).
 */
export interface LinkFaultSettings {
  /** drop the packet */
  loss?: number;
  /** deliver it twice */
  duplicate?: number;
  /** hold it back and deliver it after the next one */
  reorder?: number;
  /** flip one bit after the header, so the receiver's CRC check fails */
  corrupt?: number;
  /** extra latency, ms, plus up to jitterMs more */
  delayMs?: number;
  jitterMs?: number;
  /** which way the faults apply; default both */
  direction?: 'both' | 'down' | 'up';
}

/** How long a reordered packet waits for a successor before it goes out anyway. */
const REORDER_HOLD_MS = 200;
const V2_HEADER_LEN = 10;

type Deliver = (data: Buffer, peer?: string) => void;

/** One direction of a faulty link: decides per packet what reaches the other end. */
class FaultPipe {
  settings: LinkFaultSettings = {};
  private held: { data: Buffer; peer?: string; timer: NodeJS.Timeout } | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly rng: Prng, private readonly deliver: Deliver) {}

  push(data: Buffer, peer?: string): void {
    const s = this.settings;
    if (this.rng.chance(s.loss ?? 0)) return;
    let out = data;
    if (this.rng.chance(s.corrupt ?? 0)) out = this.flipBit(data);
    const copies = this.rng.chance(s.duplicate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) this.route(out, peer);
  }

  private route(data: Buffer, peer?: string): void {
    const s = this.settings;
    if (!this.held && this.rng.chance(s.reorder ?? 0)) {
      const timer = setTimeout(() => this.releaseHeld(), REORDER_HOLD_MS);
      this.held = { data, peer, timer };
      return;
    }
    this.later(data, peer);
    this.releaseHeld();
  }

  private releaseHeld(): void {
    const h = this.held;
    if (!h) return;
    clearTimeout(h.timer);
    this.held = null;
    this.later(h.data, h.peer);
  }

  private later(data: Buffer, peer?: string): void {
    const delay = (this.settings.delayMs ?? 0) + (this.settings.jitterMs ? this.rng.next() * this.settings.jitterMs : 0);
    if (delay <= 0) return this.deliver(data, peer);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.deliver(data, peer);
    }, delay);
    this.timers.add(t);
  }

  private flipBit(data: Buffer): Buffer {
    const copy = Buffer.from(data);
    const from = copy.length > V2_HEADER_LEN + 2 ? V2_HEADER_LEN : 0;
    const at = from + this.rng.int(copy.length - from);
    copy[at] = copy[at]! ^ (1 << this.rng.int(8));
    return copy;
  }

  clear(): void {
    if (this.held) clearTimeout(this.held.timer);
    this.held = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * Wraps a drone's real transport and misbehaves on purpose: loss, duplication, reordering,
 * delay and bit errors per direction, and a switch that makes the link go silent both ways
 * (a drone flying out of radio range) and come back.
 */
export class FaultyLink extends Link {
  private readonly down: FaultPipe;
  private readonly up: FaultPipe;
  private silent = false;

  constructor(readonly inner: Link, rng: Prng) {
    super(inner.uri);
    this.signingKey = inner.signingKey; // the drone signs above the faults, as over a real radio
    this.down = new FaultPipe(rng, (data, peer) => inner.send(data, peer));
    this.up = new FaultPipe(rng, (data, peer) => this.emit('data', data, peer!));
    inner.on('data', (chunk, peer) => {
      if (!this.silent) this.up.push(chunk, peer);
    });
    inner.on('peerGone', (peer) => this.emit('peerGone', peer));
    inner.on('state', (state, detail) => this.setState(state, detail));
  }

  get peerCount(): number {
    return this.inner.peerCount;
  }

  /** The port the transport listens on (tcpin/udpin), else undefined. */
  get boundPort(): number | undefined {
    const p = (this.inner as { boundPort?: unknown }).boundPort;
    return typeof p === 'number' ? p : undefined;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  send(data: Buffer, peer?: string): void {
    if (!this.silent) this.down.push(data, peer);
  }

  setFaults(settings: LinkFaultSettings): void {
    const dir = settings.direction ?? 'both';
    this.down.settings = dir === 'up' ? {} : { ...settings };
    this.up.settings = dir === 'down' ? {} : { ...settings };
  }

  get faults(): { down: LinkFaultSettings; up: LinkFaultSettings } {
    return { down: { ...this.down.settings }, up: { ...this.up.settings } };
  }

  /** Go silent (true) or come back (false). */
  setSilent(silent: boolean): void {
    this.silent = silent;
  }

  get isSilent(): boolean {
    return this.silent;
  }

  async close(): Promise<void> {
    this.down.clear();
    this.up.clear();
    await this.inner.close();
  }
}
