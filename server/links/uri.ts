import { z } from 'zod';

export type LinkSpec =
  | { kind: 'udpin' | 'udpout' | 'tcpout' | 'tcpin'; uri: string; host: string; port: number }
  | { kind: 'serial'; uri: string; path: string; baud: number }
  | { kind: 'tlog'; uri: string; path: string; speed: number; loop: boolean };

export class LinkUriError extends Error {}

const port = z.coerce.number().int().min(0).max(65535);

/**
 * Parse a link URI as MAVSDK writes them:
 *   udpin://0.0.0.0:14550  udpout://10.0.0.5:14550  tcpout://127.0.0.1:5760  tcpin://0.0.0.0:5760
 *   serial:///dev/ttyUSB0:57600  tlog://path/to/file.tlog?speed=10&loop=1
 */
export function parseLinkUri(text: string): LinkSpec {
  const m = /^([a-z]+):\/\/(.*)$/.exec(text.trim());
  if (!m) throw new LinkUriError(`"${text}" is not a link URI; expected e.g. udpin://0.0.0.0:14550, tcpout://127.0.0.1:5760, serial:///dev/ttyUSB0:57600`);
  const [, scheme, rest] = m as unknown as [string, string, string];
  const uri = text.trim();
  switch (scheme) {
    case 'udpin': case 'udpout': case 'tcpout': case 'tcpin': {
      const hp = /^(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(rest);
      if (!hp) throw new LinkUriError(`"${uri}": expected ${scheme}://HOST:PORT`);
      const p = port.safeParse(hp[2]);
      if (!p.success || (p.data === 0 && scheme !== 'udpin' && scheme !== 'tcpin')) {
        throw new LinkUriError(`"${uri}": port ${hp[2]} is not a valid port (1-65535)`);
      }
      return { kind: scheme, uri, host: hp[1]!.replace(/^\[|\]$/g, ''), port: p.data };
    }
    case 'serial': {
      const sp = /^(.+?)(?::(\d+))?$/.exec(rest);
      if (!sp || !sp[1]) throw new LinkUriError(`"${uri}": expected serial://DEVICE:BAUD, e.g. serial:///dev/ttyUSB0:57600`);
      const baud = sp[2] === undefined ? 57600 : Number(sp[2]);
      if (!Number.isInteger(baud) || baud < 1200 || baud > 12_000_000) {
        throw new LinkUriError(`"${uri}": baud rate ${sp[2]} is not plausible (1200-12000000)`);
      }
      return { kind: 'serial', uri, path: sp[1], baud };
    }
    case 'tlog': {
      const [path, query = ''] = rest.split('?', 2) as [string, string?];
      if (!path) throw new LinkUriError(`"${uri}": expected tlog://PATH?speed=N`);
      const params = new URLSearchParams(query);
      const speed = Number(params.get('speed') ?? '1');
      if (!Number.isFinite(speed) || speed < 0) throw new LinkUriError(`"${uri}": speed must be a number >= 0 (0 = as fast as possible)`);
      return { kind: 'tlog', uri, path, speed, loop: params.get('loop') === '1' || params.get('loop') === 'true' };
    }
    default:
      throw new LinkUriError(`"${uri}": unknown link type "${scheme}"; use udpin, udpout, tcpout, tcpin, serial or tlog`);
  }
}
