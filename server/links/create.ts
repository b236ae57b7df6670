import type { Link } from './link.ts';
import { SerialLink } from './serial.ts';
import { TcpInLink, TcpOutLink } from './tcp.ts';
import { TlogLink } from './tlog-link.ts';
import { UdpInLink, UdpOutLink } from './udp.ts';
import { parseLinkUri, type LinkSpec } from './uri.ts';

/** The transport a URI names, carrying the URI's signing key (if any) for its Connection. */
export function createLink(spec: LinkSpec | string): Link {
  const s = typeof spec === 'string' ? parseLinkUri(spec) : spec;
  const link = transport(s);
  if (s.kind !== 'tlog' && s.key) link.signingKey = s.key;
  return link;
}

function transport(s: LinkSpec): Link {
  switch (s.kind) {
    case 'udpin':
      return new UdpInLink(s.uri, s.host, s.port);
    case 'udpout':
      return new UdpOutLink(s.uri, s.host, s.port);
    case 'tcpout':
      return new TcpOutLink(s.uri, s.host, s.port);
    case 'tcpin':
      return new TcpInLink(s.uri, s.host, s.port);
    case 'serial':
      return new SerialLink(s.uri, s.path, s.baud);
    case 'tlog':
      return new TlogLink(s.uri, s.path, s.speed, s.loop);
  }
}
