import { EventEmitter } from 'node:events';
import type { SigningKey } from '../mavlink/signing.ts';

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
 * Links know nothing of MAVLink: framing, decoding, signing and heartbeats sit above, in
 * Connection. A link only carries the signing key its URI named, for its Connection to use.
 */
export abstract class Link extends EventEmitter<LinkEvents> {
  state: LinkState = 'opening';
  detail: string | null = null;
  /** from ?key= on the URI: its Connection signs what it sends and drops what is not signed with it */
  signingKey: SigningKey | null = null;

  /**
   * as configured, with any key redacted (see parseLinkUri); listening links on port 0 rewrite
   * it with the port they got
   */
  constructor(public uri: string) {
    super();
  }

  /** The URI with the port a listening link was given in place of port 0 (options kept). */
  protected withBoundPort(port: number): string {
    return this.uri.replace(/:0(?=$|\?)/, `:${port}`);
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
