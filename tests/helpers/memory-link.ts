import type { Clock } from '../../server/clock.ts';
import { Link } from '../../server/links/link.ts';

/**
 * One end of an in-process byte link. Bytes reach the other end `latencyMs` later on the given
 * clock, so with a fake clock a whole exchange of MAVLink frames runs in simulated time,
 * in a fixed order, through the real Connection (framing, CRC, decoding) on both sides.
 */
class MemoryLink extends Link {
  other: MemoryLink | null = null;

  constructor(uri: string, private readonly clock: Clock, private readonly latencyMs: number) {
    super(uri);
  }

  async open(): Promise<void> {
    this.setState('up');
  }

  send(data: Buffer): void {
    const to = this.other;
    if (this.state !== 'up' || !to) return;
    const copy = Buffer.from(data); // the sender may reuse its buffer
    this.clock.setTimeout(() => {
      if (to.state === 'up') to.emit('data', copy, this.uri);
    }, this.latencyMs);
  }

  async close(): Promise<void> {
    this.setState('down');
  }

  get peerCount(): number {
    return this.other?.state === 'up' ? 1 : 0;
  }
}

/** Two connected ends: [ground side, vehicle side]. */
export function memoryLinkPair(clock: Clock, latencyMs = 10): [Link, Link] {
  const ground = new MemoryLink('memory://ground', clock, latencyMs);
  const vehicle = new MemoryLink('memory://vehicle', clock, latencyMs);
  ground.other = vehicle;
  vehicle.other = ground;
  return [ground, vehicle];
}
