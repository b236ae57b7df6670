/**
 * Who a request came from, one rule for every way in. REST reads it through Express's "trust
 * proxy" (config trustProxy); socket.io's handshake and the video WebSockets never pass through
 * Express, so without this they would name the balancer, and the audit and the per-address limits
 * would lump every client behind it together.
 */
import type { IncomingMessage } from 'node:http';
import type { Express } from 'express';
import proxyaddr from 'proxy-addr';

export type AddressOf = (req: IncomingMessage) => string | null;

/** The peer itself: a service with no balancer in front. */
export const peerAddress: AddressOf = (req) => req.socket.remoteAddress ?? null;

/** The client as Express's req.ip names it under app's "trust proxy" setting. */
export function clientAddress(app: Express): AddressOf {
  const trust = app.get('trust proxy fn') as Parameters<typeof proxyaddr>[1];
  // proxy-addr reads req.socket.remoteAddress, which a socket already closed no longer has
  return (req) => (req.socket.remoteAddress === undefined ? null : proxyaddr(req, trust));
}
