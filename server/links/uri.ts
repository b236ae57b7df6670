import { z } from 'zod';
import { SigningKey, SigningKeyError } from '../mavlink/signing.ts';

/** `key`: the link's MAVLink 2 signing key (from `?key=`); `uri` as shown, the key redacted. */
export type LinkSpec =
  | { kind: 'udpin' | 'udpout' | 'tcpout' | 'tcpin'; uri: string; host: string; port: number; key?: SigningKey }
  | { kind: 'serial'; uri: string; path: string; baud: number; key?: SigningKey }
  | { kind: 'tlog'; uri: string; path: string; speed: number; loop: boolean };

export class LinkUriError extends Error {}

/** A link's id: its drones are named "<id>-<sysid>" (hf1-3), on whichever node serves it. */
export const LINK_ID = /^[a-z][a-z0-9]{0,15}$/;
/** The simulator's own link; no configured link may take its name. */
export const SIM_LINK_ID = 'sim';

/**
 * A configured link, "ID=URI" or a bare URI. A bare URI is named by its place in the list (l1, l2, …):
 * fine for one server, but a city's nodes must name their links, so the same radio's drones keep their
 * names when another node takes the link over (`explicit` says which it was).
 */
export function namedLink(text: string, index: number): { id: string; uri: string; explicit: boolean } {
  const m = /^([^=:/?]+)=(.*)$/s.exec(text);
  if (!m) return { id: `l${index + 1}`, uri: text, explicit: false };
  const id = m[1]!;
  if (!LINK_ID.test(id) || id === SIM_LINK_ID) {
    throw new LinkUriError(
      `link id "${id}": a lower-case letter, then up to 15 lower-case letters or digits (not "${SIM_LINK_ID}"), e.g. "hf1=udpin://0.0.0.0:14550"`,
    );
  }
  return { id, uri: m[2]!, explicit: true };
}

const port = z.coerce.number().int().min(0).max(65535);
const REDACTED = '***';

/**
 * The URI with its signing key (if any) replaced by ***: what logs, errors and the API may show.
 * Everything after key= goes, in case a passphrase holds an unencoded "&".
 */
export function redactLinkUri(text: string): string {
  return text.replace(/([?&]key=).*$/s, `$1${REDACTED}`);
}

/** The URI with `key` added as its ?key= option (percent-encoded, so any passphrase survives). */
export function linkUriWithKey(uri: string, key: string): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}key=${encodeURIComponent(key)}`;
}

/**
 * name=value options after "?". Values are percent-decoded but a "+" stays a "+" (unlike
 * URLSearchParams), so a passphrase is taken as written unless it holds & # % or ?.
 */
function options(shown: string, query: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!query) return out;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    // After a key, a "name" may be the rest of a passphrase holding "&": never echo it.
    const label = out.has('key') ? 'an option after key=' : `option ${name}`;
    let value: string;
    try {
      value = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
    } catch {
      throw new LinkUriError(`"${shown}": ${label} is not valid percent-encoding (write % as %25)`);
    }
    if (out.has(name)) throw new LinkUriError(`"${shown}": ${label} is given twice`);
    out.set(name, value);
  }
  return out;
}

/** The signing key option of a drone link, and no other option. */
function signingOption(shown: string, query: string | undefined): { key?: SigningKey } {
  const opts = options(shown, query);
  for (const name of opts.keys()) {
    if (name === 'key') continue;
    // After a key, an unknown "option" may be the rest of a passphrase holding "&": never echo it.
    throw new LinkUriError(
      opts.has('key')
        ? `"${shown}": this link takes only the ?key= option (write an "&" in a passphrase as %26)`
        : `"${shown}": unknown option "${name}"; this link takes only ?key=PASSPHRASE or ?key=hex:64HEX`,
    );
  }
  const text = opts.get('key');
  if (text === undefined) return {};
  try {
    return { key: SigningKey.fromText(text) };
  } catch (err) {
    if (err instanceof SigningKeyError) throw new LinkUriError(`"${shown}": key: ${err.message}`);
    throw err;
  }
}

/**
 * Parse a link URI as MAVSDK writes them:
 *   udpin://0.0.0.0:14550  udpout://10.0.0.5:14550  tcpout://127.0.0.1:5760  tcpin://0.0.0.0:5760
 *   serial:///dev/ttyUSB0:57600  tlog://path/to/file.tlog?speed=10&loop=1
 * Drone links take ?key=PASSPHRASE (or ?key=hex:64HEX) to sign and check MAVLink 2 packets.
 * Error messages and the returned `uri` never hold the key.
 */
export function parseLinkUri(text: string): LinkSpec {
  const uri = redactLinkUri(text.trim());
  const m = /^([a-z]+):\/\/(.*)$/.exec(text.trim());
  if (!m) throw new LinkUriError(`"${uri}" is not a link URI; expected e.g. udpin://0.0.0.0:14550, tcpout://127.0.0.1:5760, serial:///dev/ttyUSB0:57600`);
  const [, scheme, all] = m as unknown as [string, string, string];
  const q = all.indexOf('?');
  const rest = q < 0 ? all : all.slice(0, q);
  const query = q < 0 ? undefined : all.slice(q + 1);
  switch (scheme) {
    case 'udpin':
    case 'udpout':
    case 'tcpout':
    case 'tcpin': {
      const hp = /^(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(rest);
      if (!hp) throw new LinkUriError(`"${uri}": expected ${scheme}://HOST:PORT`);
      const p = port.safeParse(hp[2]);
      if (!p.success || (p.data === 0 && scheme !== 'udpin' && scheme !== 'tcpin')) {
        throw new LinkUriError(`"${uri}": port ${hp[2]} is not a valid port (1-65535)`);
      }
      return { kind: scheme, uri, host: hp[1]!.replace(/^\[|\]$/g, ''), port: p.data, ...signingOption(uri, query) };
    }
    case 'serial': {
      const sp = /^(.+?)(?::(\d+))?$/.exec(rest);
      if (!sp || !sp[1]) throw new LinkUriError(`"${uri}": expected serial://DEVICE:BAUD, e.g. serial:///dev/ttyUSB0:57600`);
      const baud = sp[2] === undefined ? 57600 : Number(sp[2]);
      if (!Number.isInteger(baud) || baud < 1200 || baud > 12_000_000) {
        throw new LinkUriError(`"${uri}": baud rate ${sp[2]} is not plausible (1200-12000000)`);
      }
      return { kind: 'serial', uri, path: sp[1], baud, ...signingOption(uri, query) };
    }
    case 'tlog': {
      if (!rest) throw new LinkUriError(`"${uri}": expected tlog://PATH?speed=N`);
      const params = options(uri, query);
      if (params.has('key')) throw new LinkUriError(`"${uri}": a recording is replayed as recorded; ?key= applies to drone links only`);
      const speed = Number(params.get('speed') ?? '1');
      if (!Number.isFinite(speed) || speed < 0) throw new LinkUriError(`"${uri}": speed must be a number >= 0 (0 = as fast as possible)`);
      return { kind: 'tlog', uri, path: rest, speed, loop: params.get('loop') === '1' || params.get('loop') === 'true' };
    }
    default:
      throw new LinkUriError(`"${uri}": unknown link type "${scheme}"; use udpin, udpout, tcpout, tcpin, serial or tlog`);
  }
}
