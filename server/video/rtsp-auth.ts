/**
 * HTTP authentication as RTSP cameras use it: Basic (RFC 7617) and Digest (RFC 2617, MD5, with
 * or without qop=auth; RFC 2069's form without qop is what most cameras still send).
 *
 * Written here rather than taken from npm: the small Digest helper there (digest-header) splits
 * "user:password" at every colon (a password with a colon breaks) and shares one nonce counter
 * across the process; Digest is a handful of MD5s.
 */
import crypto from 'node:crypto';

export interface Credentials {
  user: string;
  password: string;
}

/** One WWW-Authenticate challenge: its scheme and its parameters. */
export interface Challenge {
  scheme: string;
  params: Map<string, string>;
}

/** Parse a WWW-Authenticate value (quoted strings may hold commas). */
export function parseChallenge(value: string): Challenge {
  const scheme = /^\s*(\S+)/.exec(value)?.[1]?.toLowerCase() ?? '';
  const params = new Map<string, string>();
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of value.trim().slice(scheme.length).matchAll(re)) {
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
  }
  return { scheme, params };
}

const md5 = (s: string) => crypto.createHash('md5').update(s, 'utf8').digest('hex');

/**
 * Builds the Authorization header for each request once a server has challenged us: Digest when
 * offered (it never sends the password), else Basic. The nonce count grows per request, as a
 * server checking replays expects.
 */
export class Authenticator {
  private digest: Challenge | null = null;
  private basic = false;
  private nc = 0;

  constructor(private readonly credentials: Credentials) {}

  /** Take the server's challenges (each WWW-Authenticate value); false when none is one we speak. */
  challenged(values: string[]): boolean {
    const challenges = values.map(parseChallenge);
    const digest = challenges.find((c) => c.scheme === 'digest' && (c.params.get('algorithm') ?? 'MD5').toUpperCase() === 'MD5');
    if (digest) {
      this.digest = digest;
      this.nc = 0;
      return true;
    }
    this.basic = challenges.some((c) => c.scheme === 'basic');
    return this.basic;
  }

  get ready(): boolean {
    return this.digest !== null || this.basic;
  }

  header(method: string, uri: string): string | undefined {
    const { user, password } = this.credentials;
    if (this.digest) {
      const p = this.digest.params;
      const realm = p.get('realm') ?? '';
      const nonce = p.get('nonce') ?? '';
      const ha1 = md5(`${user}:${realm}:${password}`);
      const ha2 = md5(`${method}:${uri}`);
      const qop = p.get('qop')?.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
      const fields = [`username="${user}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${uri}"`];
      let response: string;
      if (qop) {
        const nc = (++this.nc).toString(16).padStart(8, '0');
        const cnonce = crypto.randomBytes(8).toString('hex');
        response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
        fields.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
      } else response = md5(`${ha1}:${nonce}:${ha2}`);
      fields.push(`response="${response}"`);
      if (p.has('opaque')) fields.push(`opaque="${p.get('opaque')}"`);
      return `Digest ${fields.join(', ')}`;
    }
    if (this.basic) return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    return undefined;
  }
}
