import { EventEmitter } from 'node:events';

export type LinkState = 'opening' | 'up' | 'down';

export interface LinkEvents {
  /** bytes from one remote peer (a UDP sender, a TCP connection, the serial device) */
  data: [chunk: Buffer, peer: string];
  /** a peer vanished (a TCP connection closed, a serial port went away): its partial packet is void */
  peerGone: [peer: string];
  state: [state: LinkState, detail: string | null];
}

/**
 * A byte transport to one or more MAVLink peers, named by a URI as MAVSDK writes them.
 * Links know nothing of MAVLink: framing, decoding and heartbeats sit above, in Connection.
 */
export abstract class Link extends EventEmitter<LinkEvents> {
  state: LinkState = 'opening';
  detail: string | null = null;

  /** as configured; listening links on port 0 rewrite it with the port they got */
  constructor(public uri: string) {
    super();
  }

  /**
   * Start the transport. Rejects only for errors a retry cannot fix (a port in use, a bad
   * address); a peer that is not there yet (TCP refused, serial device missing) is retried.
   */
  abstract open(): Promise<void>;
  /** Send to one peer, or to every known peer when none is named. Never throws. */
  abstract send(data: Buffer, peer?: string): void;
  abstract close(): Promise<void>;
  /** Number of peers currently reachable. */
  abstract get peerCount(): number;

  protected setState(state: LinkState, detail: string | null = null): void {
    if (state === this.state && detail === this.detail) return;
    this.state = state;
    this.detail = detail;
    this.emit('state', state, detail);
  }
}

/** Delays for reconnecting: 0.5 s doubling to 5 s, so a returning drone is found quickly. */
export function backoff(attempt: number): number {
  return Math.min(5000, 500 * 2 ** Math.min(attempt, 4));
}
