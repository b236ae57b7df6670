import { createHash, hash, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import type { Frame } from './framer.ts';

/**
 * MAVLink 2 message signing (mavlink.io "Message Signing"): 13 bytes after the CRC —
 * link id (1), timestamp (6, little endian, 10 µs units since 2015-01-01 UTC) and the first 6
 * bytes of SHA-256(secret key + every packet byte from the start byte to the timestamp).
 */

export const SIGNATURE_LEN = 13;
const SIGNATURE_HASH_LEN = 6;
const KEY_LEN = 32;
/** Header, the longest payload, CRC, link id and timestamp: all a signature covers after the key. */
const SIGNED_MAX = 10 + 255 + 2 + 7;
export const IFLAG_SIGNED = 0x01;
export const SIGNING_EPOCH_MS = Date.UTC(2015, 0, 1);
const UNITS_PER_MS = 100;
/** A stream we have not heard yet may start at most one minute behind our own timestamp. */
const NEW_STREAM_WINDOW = 60_000 * UNITS_PER_MS;
/** Anyone holding a recording can try passphrases offline at SHA-256 speed: refuse the shortest. */
const MIN_PASSPHRASE = 8;

/** A wall-clock time (ms since 1970) in signing timestamp units. */
export function signingTimestamp(ms: number): number {
  return Math.floor((ms - SIGNING_EPOCH_MS) * UNITS_PER_MS);
}

export class SigningKeyError extends Error {}

/**
 * The 32-byte secret shared by the ground station and the drones on one link. It never shows:
 * JSON, string conversion and console/log inspection all print "(redacted)".
 */
export class SigningKey {
  readonly #bytes: Buffer;
  /** the key followed by room for the signed bytes: one-shot hashing without a Hash object per packet */
  readonly #scratch: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
    this.#scratch = Buffer.alloc(KEY_LEN + SIGNED_MAX);
    bytes.copy(this.#scratch);
  }

  /**
   * `hex:` followed by 64 hex digits is the key itself (as SETUP_SIGNING carries it); anything
   * else is a passphrase, hashed with SHA-256 as Mission Planner and MAVProxy do, so a drone
   * set up from either with the same passphrase shares the key.
   */
  static fromText(text: string): SigningKey {
    if (text.startsWith('hex:')) {
      const hex = text.slice(4);
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new SigningKeyError(`a hex: key must be 64 hex digits (32 bytes), got ${hex.length} characters`);
      return new SigningKey(Buffer.from(hex, 'hex'));
    }
    if (text.length < MIN_PASSPHRASE) {
      throw new SigningKeyError(`the signing passphrase must be at least ${MIN_PASSPHRASE} characters (anyone with a recording can guess short ones offline)`);
    }
    return new SigningKey(createHash('sha256').update(text, 'utf8').digest());
  }

  /**
   * The first 6 bytes of SHA-256(key + data). crypto.hash on one buffer takes half the time of
   * createHash().update().update().digest() for packets this small (the ingest bench's signed figure).
   */
  digest(data: Buffer): Buffer {
    if (data.length > SIGNED_MAX) throw new RangeError(`${data.length} bytes is longer than any MAVLink 2 packet`);
    data.copy(this.#scratch, KEY_LEN);
    return hash('sha256', this.#scratch.subarray(0, KEY_LEN + data.length), 'buffer').subarray(0, SIGNATURE_HASH_LEN);
  }

  equals(other: SigningKey): boolean {
    return timingSafeEqual(this.#bytes, other.#bytes);
  }

  toJSON(): string {
    return '(redacted)';
  }
  toString(): string {
    return '(redacted)';
  }
  [inspect.custom](): string {
    return 'SigningKey(redacted)';
  }
}

/**
 * Our signing timestamp: wall time in 10 µs units, one step further for every packet signed
 * (node-mavlink's signer takes Date.now(), which repeats within a millisecond, and autopilots
 * drop the repeats as replays), and never behind a timestamp a peer signed and we accepted.
 */
export class SigningClock {
  private last = 0;

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** A fresh timestamp for one outgoing packet. */
  next(): number {
    this.last = Math.max(this.last + 1, signingTimestamp(this.nowMs()));
    return this.last;
  }

  /** Our timestamp now, without using one up. */
  current(): number {
    return Math.max(this.last, signingTimestamp(this.nowMs()));
  }

  /** A peer's verified timestamp: ours never falls behind it (the spec's rule). */
  observe(timestamp: number): void {
    if (timestamp > this.last) this.last = timestamp;
  }
}

/**
 * One clock for every link of the process: our timestamps then increase across links too, so a
 * drone that shares one stream table between its radios (ArduPilot does) never sees ours go back.
 */
export const processSigningClock = new SigningClock();

/** Why a packet on a signed link was dropped. */
export type SignatureRejection = 'unsigned' | 'badSignature' | 'replayed';
export type SignatureCounters = Record<SignatureRejection, number>;

/**
 * Signs what we send on one link and checks what we receive on it. Replay protection follows the
 * spec per stream (sysid, compid, link id): a timestamp must be above the last one accepted on its
 * stream, and a stream's first timestamp within one minute of ours. Unlike pymavlink's check, a
 * stream's timestamp moves only after the signature has been verified, so a forged packet with a
 * far-future timestamp cannot lock a real drone out.
 */
export class LinkSigning {
  readonly rejected: SignatureCounters = { unsigned: 0, badSignature: 0, replayed: 0 };
  private readonly streams = new Map<number, number>();

  constructor(readonly key: SigningKey, readonly linkId: number, private readonly clock: SigningClock = processSigningClock) {}

  /**
   * Append the signature to a MAVLink 2 packet whose incompatibility flags already carry
   * IFLAG_SIGNED (the CRC covers the flags, so the encoder must set it before the CRC).
   */
  sign(packet: Buffer): Buffer {
    const end = packet.length;
    const out = Buffer.allocUnsafe(end + SIGNATURE_LEN);
    packet.copy(out);
    out[end] = this.linkId;
    out.writeUIntLE(this.clock.next(), end + 1, 6);
    this.key.digest(out.subarray(0, end + 7)).copy(out, end + 7);
    return out;
  }

  /** null when the frame is genuine and new; else why it must be dropped (and it is counted). */
  verify(frame: Frame): SignatureRejection | null {
    const why = this.check(frame);
    if (why) this.rejected[why]++;
    return why;
  }

  private check(frame: Frame): SignatureRejection | null {
    if (!frame.signed) return 'unsigned';
    const raw = frame.raw;
    const sig = raw.length - SIGNATURE_LEN;
    if (!timingSafeEqual(this.key.digest(raw.subarray(0, raw.length - SIGNATURE_HASH_LEN)), raw.subarray(raw.length - SIGNATURE_HASH_LEN))) {
      return 'badSignature';
    }
    const timestamp = raw.readUIntLE(sig + 1, 6);
    const stream = (frame.sysid << 16) | (frame.compid << 8) | raw[sig]!;
    const last = this.streams.get(stream);
    if (last !== undefined ? timestamp <= last : timestamp + NEW_STREAM_WINDOW < this.clock.current()) return 'replayed';
    this.streams.set(stream, timestamp);
    this.clock.observe(timestamp);
    return null;
  }
}
