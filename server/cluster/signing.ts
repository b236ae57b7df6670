import crypto from 'node:crypto';
import { type Clock, realClock } from '../clock.ts';

/**
 * Every message between a city's nodes travels inside a signed envelope: HMAC-SHA256 with the
 * city's shared secret over who sent it, when, a nonce and the body. Anything on Redis without a
 * good signature — written by a client that merely reached Redis, or by a node with another secret —
 * is dropped and counted, never acted on. A message is good for WINDOW_MS after it was signed and
 * only once (its nonce is remembered that long), so a captured command cannot be played again.
 * Nodes' clocks must agree within the window (NTP, as anything with a lease needs).
 */
export const WINDOW_MS = 30_000;

export interface Envelope {
  /** the node that signed it */
  from: string;
  /** when, ms since the epoch, on the signer's clock */
  ts: number;
  nonce: string;
  /** the message, as JSON text: what was signed is exactly what is read */
  body: string;
  sig: string;
}

export type Opened = { ok: true; from: string; body: unknown } | { ok: false; reason: string };

export class BusSigner {
  private readonly key: Buffer;
  /** nonces seen within the window, with when each may be forgotten */
  private readonly seen = new Map<string, number>();
  /** messages dropped, by reason: shown on /api/health and in the log */
  readonly rejected = new Map<string, number>();

  /**
   * Names the city's keys in Redis, from its secret: two cities sharing one Redis (a test machine, a
   * staging beside production) keep apart without another setting, and the tag tells nothing of the secret.
   */
  readonly cityTag: string;

  constructor(secret: string, readonly node: string, private readonly clock: Clock = realClock) {
    // A key of its own for the bus, so the secret itself is never what an HMAC is computed with.
    this.key = crypto.createHmac('sha256', secret).update('skybeat city bus v1').digest();
    this.cityTag = crypto.createHmac('sha256', secret).update('skybeat city name v1').digest('hex').slice(0, 12);
  }

  seal(body: unknown): Envelope {
    const e = { from: this.node, ts: this.clock.now(), nonce: crypto.randomBytes(12).toString('base64url'), body: JSON.stringify(body) };
    return { ...e, sig: this.mac(e) };
  }

  /** The body when the envelope is good; else why not (and it is counted). */
  open(raw: unknown): Opened {
    const refuse = (reason: string): Opened => {
      this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
      return { ok: false, reason };
    };
    if (!isEnvelope(raw)) return refuse('not a signed envelope');
    const want = Buffer.from(this.mac(raw), 'base64url');
    const got = Buffer.from(raw.sig, 'base64url');
    if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return refuse('bad signature');
    const now = this.clock.now();
    if (Math.abs(now - raw.ts) > WINDOW_MS) return refuse('outside the time window (a replay, or clocks apart)');
    this.forget(now);
    if (this.seen.has(raw.nonce)) return refuse('replayed');
    this.seen.set(raw.nonce, raw.ts + WINDOW_MS);
    try {
      return { ok: true, from: raw.from, body: JSON.parse(raw.body) as unknown };
    } catch {
      return refuse('body is not JSON');
    }
  }

  private mac(e: Omit<Envelope, 'sig'>): string {
    return crypto.createHmac('sha256', this.key).update(`${e.from}\n${e.ts}\n${e.nonce}\n${e.body}`).digest('base64url');
  }

  private forget(now: number): void {
    for (const [nonce, until] of this.seen) {
      if (until >= now) break; // kept in insertion order, close enough to time order
      this.seen.delete(nonce);
    }
  }
}

function isEnvelope(x: unknown): x is Envelope {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return typeof e.from === 'string' && typeof e.ts === 'number' && typeof e.nonce === 'string' && typeof e.body === 'string' && typeof e.sig === 'string';
}
