import fs from 'node:fs';
import { Link } from './link.ts';
import { parseTlog, type TlogRecord } from './tlog.ts';

/**
 * tlog://PATH?speed=N[&loop=1] — replays a recorded telemetry log as if a drone were on the
 * other end (speed 1 = real time, 0 = as fast as possible). Commands sent to it go nowhere.
 */
export class TlogLink extends Link {
  private records: TlogRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(uri: string, private readonly path: string, private readonly speed: number, private readonly loop: boolean) {
    super(uri);
  }

  get peerCount(): number {
    return this.state === 'up' ? 1 : 0;
  }

  async open(): Promise<void> {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.path);
    } catch (err) {
      throw new Error(`${this.uri}: cannot read ${this.path}: ${(err as Error).message}`);
    }
    this.records = parseTlog(buf, this.path);
    this.closed = false;
    this.setState('up');
    this.play(0);
  }

  private play(from: number): void {
    const recs = this.records;
    if (this.closed) return;
    if (from >= recs.length) {
      if (this.loop && recs.length > 0) this.timer = setTimeout(() => this.play(0), 1000);
      else {
        this.emit('peerGone', this.path); // the recording has ended: nothing more follows its last packet
        this.setState('down', 'end of log');
      }
      return;
    }
    if (this.speed === 0) {
      // As fast as possible, but in slices so the event loop keeps serving others.
      const end = Math.min(recs.length, from + 2000);
      for (let i = from; i < end; i++) this.emit('data', recs[i]!.packet, this.path);
      this.timer = setTimeout(() => this.play(end), 0);
      return;
    }
    // Emit every record due at the same moment, then sleep until the next one.
    const t0 = recs[from]!.timeUs;
    let i = from;
    while (i < recs.length && recs[i]!.timeUs === t0) this.emit('data', recs[i++]!.packet, this.path);
    if (i < recs.length) {
      const waitMs = Number(recs[i]!.timeUs - t0) / 1000 / this.speed;
      this.timer = setTimeout(() => this.play(i), waitMs);
    } else this.play(i);
  }

  send(): void {/* a recording cannot be commanded */}

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.setState('down', 'closed');
  }
}
