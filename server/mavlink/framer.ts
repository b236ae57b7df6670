import { crcExtra } from './registry.ts';
import { IFLAG_SIGNED, SIGNATURE_LEN } from './signing.ts';

/**
 * One MAVLink packet cut out of a byte stream: checked against its CRC when a loaded dialect knows
 * its message id, else (verified false) accepted for its framing alone (see Framer).
 */
export interface Frame {
  /** The whole packet as on the wire (a view into the received bytes: do not modify). */
  raw: Buffer;
  version: 1 | 2;
  seq: number;
  sysid: number;
  compid: number;
  msgid: number;
  /** Payload as sent (MAVLink 2 may have trimmed trailing zeros). */
  payload: Buffer;
  signed: boolean;
  /** the CRC was checked (a known message id); false for a well-framed packet of an unknown id */
  verified: boolean;
}

export interface FramerCounters {
  /** Packets whose CRC matched. */
  frames: number;
  /** Candidate packets of a known message whose CRC did not match. */
  crcErrors: number;
  /** Well-framed packets of a message id no loaded dialect knows (emitted unverified: no CRC check possible). */
  unknown: number;
  /** Bytes skipped while hunting for a start byte (line noise, false starts). */
  droppedBytes: number;
}

const STX_V1 = 0xfe;
const STX_V2 = 0xfd;

/** MAVLink's X.25 CRC over buf[start, end) followed by the message's CRC_EXTRA byte. */
function crcOf(buf: Buffer, start: number, end: number, extra: number): number {
  let crc = 0xffff;
  for (let i = start; i <= end; i++) {
    let tmp = (i === end ? extra : buf[i]!) ^ (crc & 0xff);
    tmp = (tmp ^ (tmp << 4)) & 0xff;
    crc = ((crc >> 8) ^ (tmp << 8) ^ (tmp << 3) ^ (tmp >> 4)) & 0xffff;
  }
  return crc;
}

type Check =
  | { kind: 'need' } // not enough bytes yet
  | { kind: 'bad' } // not a packet here (bad header or CRC)
  | { kind: 'crc'; len: number } // known message, CRC mismatch
  | { kind: 'unknown'; len: number } // MAVLink 2 header of an unknown message id, complete
  | { kind: 'ok'; len: number };

/** What stands at buf[s] (which holds a start byte). */
function check(buf: Buffer, s: number): Check {
  const avail = buf.length - s;
  const v2 = buf[s] === STX_V2;
  const headerLen = v2 ? 10 : 6;
  if (avail < 3) return { kind: 'need' };
  const plen = buf[s + 1]!;
  let len = headerLen + plen + 2;
  if (v2) {
    const incompat = buf[s + 2]!;
    if (incompat & ~IFLAG_SIGNED) return { kind: 'bad' }; // flags we do not understand: not a v2 packet
    if (incompat & IFLAG_SIGNED) len += SIGNATURE_LEN;
  }
  if (avail < len) return { kind: 'need' };
  const msgid = v2 ? buf[s + 7]! | (buf[s + 8]! << 8) | (buf[s + 9]! << 16) : buf[s + 5]!;
  const extra = crcExtra(msgid);
  if (extra === undefined) {
    // Every MAVLink 1 id is in the loaded dialects; a MAVLink 2 payload keeps at least its first
    // byte when trailing zeros are trimmed, so an empty one is not a packet either.
    return v2 && plen > 0 ? { kind: 'unknown', len } : { kind: 'bad' };
  }
  const crcEnd = s + headerLen + plen;
  const crc = buf[crcEnd]! | (buf[crcEnd + 1]! << 8);
  return crcOf(buf, s + 1, crcEnd, extra) === crc ? { kind: 'ok', len } : { kind: 'crc', len };
}

const isStart = (b: number | undefined) => b === STX_V2 || b === STX_V1;

function nextStart(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) {
    if (isStart(buf[i])) return i;
  }
  return -1;
}

/**
 * Consecutive well-framed packets of unknown ids that are taken as packets without a packet of a
 * known id after them: so many in a row cannot be noise, and a link whose only traffic is
 * unknown messages is still recorded with a bounded buffer.
 */
const UNKNOWN_RUN_PROOF = 16;

/** What to do with a run of unknown-id packets: [start, length] of each, to emit; wait for more bytes; or noise. */
type Run = { kind: 'accept'; frames: [number, number][] } | { kind: 'wait' } | { kind: 'noise' };

/**
 * Cuts MAVLink 1 and 2 packets out of a byte stream (one framer per remote peer).
 *
 * Unlike node-mavlink's splitter it does not stall on a false start byte: when a candidate
 * packet is still incomplete but a complete, CRC-valid packet already stands after it, the
 * candidate was noise and is skipped, so one stray 0xFD on a radio link does not hold back
 * the next ~280 bytes of telemetry until more data arrives.
 *
 * A packet of a message id no loaded dialect knows (PX4's EVENT, say) cannot be CRC-checked:
 * without the id's CRC_EXTRA its CRC proves nothing. It is taken as a packet, unverified, when it
 * is well framed: a MAVLink 2 header with only known incompatibility flags and a payload, no
 * CRC-valid packet starting inside it, and the next packet starting right after it — a CRC-valid
 * one, or more such unknown ones leading to a CRC-valid one (or UNKNOWN_RUN_PROOF of them, or
 * the end of the stream). Anything else is noise, so an unverifiable frame never swallows a
 * valid packet. ArduPilot and QGroundControl pass unknown ids on by their framing too.
 */
export class Framer {
  readonly counters: FramerCounters = { frames: 0, crcErrors: 0, unknown: 0, droppedBytes: 0 };
  private pending: Buffer | null = null;

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    this.scan(buf, false);
  }

  /**
   * The stream has ended (a TCP peer closed, a replay reached its end): unknown-id packets still
   * waiting for what follows them end at the stream's end, a boundary, and are emitted; a partial
   * packet is dropped.
   */
  end(): void {
    const buf = this.pending;
    this.pending = null;
    if (buf) this.scan(buf, true);
    this.reset();
  }

  /** Drop a partial packet (e.g. when a stream reconnects, the old tail is meaningless). */
  reset(): void {
    if (this.pending) this.counters.droppedBytes += this.pending.length;
    this.pending = null;
  }

  private scan(buf: Buffer, atEnd: boolean): void {
    let i = 0;
    // Candidates starting inside a packet that already failed its CRC are its own bytes, not
    // further corrupt packets: count each corrupt packet once.
    let crcShadowEnd = -1;
    for (;;) {
      const s = nextStart(buf, i);
      if (s < 0) {
        this.counters.droppedBytes += buf.length - i;
        return;
      }
      this.counters.droppedBytes += s - i;
      const c = check(buf, s);
      switch (c.kind) {
        case 'ok':
          this.counters.frames++;
          this.emit(buf, s, c.len, true);
          i = s + c.len;
          break;
        case 'need': {
          const later = this.findResumePoint(buf, s + 1, atEnd);
          if (later < 0) {
            if (!atEnd) this.pending = Buffer.from(buf.subarray(s)); // copy: do not pin the whole chunk
            else this.counters.droppedBytes += buf.length - s;
            return;
          }
          this.counters.droppedBytes += later - s;
          i = later;
          break;
        }
        case 'unknown': {
          const run = this.unknownRun(buf, s, c.len, atEnd);
          if (run.kind === 'wait') {
            // What follows is not here yet: decide when it is (a packet cut by the chunk may lie inside).
            this.pending = Buffer.from(buf.subarray(s));
            return;
          }
          if (run.kind === 'noise') {
            this.counters.droppedBytes++;
            i = s + 1;
            break;
          }
          for (const [at, len] of run.frames) {
            this.counters.unknown++;
            this.emit(buf, at, len, false);
            i = at + len;
          }
          break;
        }
        case 'crc':
          if (s >= crcShadowEnd) this.counters.crcErrors++;
          crcShadowEnd = Math.max(crcShadowEnd, s + c.len);
          i = s + 1;
          break;
        case 'bad':
          this.counters.droppedBytes++;
          i = s + 1;
          break;
      }
    }
  }

  /**
   * The run of unknown-id packets starting with the one at buf[s] (len bytes): each must hold no
   * CRC-valid packet and be followed at once by the next, until a CRC-valid packet follows.
   */
  private unknownRun(buf: Buffer, s: number, len: number, atEnd: boolean): Run {
    const frames: [number, number][] = [];
    for (let at = s, n = len;;) {
      if (this.findCompleteValid(buf, at + 1, at + n) >= 0) return { kind: 'noise' };
      frames.push([at, n]);
      // The last one's successor is still to be checked: it starts the next run.
      if (frames.length > UNKNOWN_RUN_PROOF) return { kind: 'accept', frames: frames.slice(0, -1) };
      const next = at + n;
      if (next === buf.length) return atEnd ? { kind: 'accept', frames } : { kind: 'wait' };
      if (!isStart(buf[next])) return { kind: 'noise' };
      const c = check(buf, next);
      switch (c.kind) {
        case 'ok':
          return { kind: 'accept', frames };
        case 'unknown':
          at = next;
          n = c.len;
          break;
        case 'need':
          // Cut by the chunk, or a false start: it is noise if a valid packet already stands after it.
          return !atEnd && this.findCompleteValid(buf, next + 1) < 0 ? { kind: 'wait' } : { kind: 'noise' };
        default:
          return { kind: 'noise' };
      }
    }
  }

  /**
   * Where to go on after an incomplete candidate at from - 1: the first start byte at which a
   * complete, CRC-valid packet or an accepted run of unknown-id packets stands, or -1.
   */
  private findResumePoint(buf: Buffer, from: number, atEnd: boolean): number {
    for (let s = nextStart(buf, from); s >= 0; s = nextStart(buf, s + 1)) {
      const c = check(buf, s);
      if (c.kind === 'ok') return s;
      if (c.kind === 'unknown' && this.unknownRun(buf, s, c.len, atEnd).kind === 'accept') return s;
    }
    return -1;
  }

  /** The first start byte in [from, to) at which a complete, CRC-valid packet stands, or -1. */
  private findCompleteValid(buf: Buffer, from: number, to = buf.length): number {
    for (let s = nextStart(buf, from); s >= 0 && s < to; s = nextStart(buf, s + 1)) {
      if (check(buf, s).kind === 'ok') return s;
    }
    return -1;
  }

  private emit(buf: Buffer, s: number, len: number, verified: boolean): void {
    const v2 = buf[s] === STX_V2;
    const raw = buf.subarray(s, s + len);
    const plen = raw[1]!;
    const headerLen = v2 ? 10 : 6;
    this.onFrame({
      raw,
      version: v2 ? 2 : 1,
      seq: v2 ? raw[4]! : raw[2]!,
      sysid: v2 ? raw[5]! : raw[3]!,
      compid: v2 ? raw[6]! : raw[4]!,
      msgid: v2 ? raw[7]! | (raw[8]! << 8) | (raw[9]! << 16) : raw[5]!,
      payload: raw.subarray(headerLen, headerLen + plen),
      signed: v2 && (raw[2]! & IFLAG_SIGNED) !== 0,
      verified,
    });
  }
}
