import { Link } from '../../server/links/link.ts';

/**
 * A Link without a socket: bytes are injected by the benchmark, so the ingest figure is the
 * link layer's own work on one core, not the kernel's. What SkyBeat sends back is counted.
 */
export class MemoryLink extends Link {
  sent = 0;

  constructor() {
    super('memory://bench');
  }

  get peerCount(): number {
    return 1;
  }

  async open(): Promise<void> {
    this.setState('up');
  }

  inject(chunk: Buffer, peer: string): void {
    this.emit('data', chunk, peer);
  }

  send(): void {
    this.sent++;
  }

  async close(): Promise<void> {
    this.setState('down', 'closed');
  }
}
