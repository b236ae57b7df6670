import { crcExtra } from './registry.ts';
import { IFLAG_SIGNED, SIGNATURE_LEN } from './signing.ts';

/** One MAVLink packet cut out of a byte stream, checked against its CRC. */
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
}

export interface FramerCounters {
  /** Packets whose CRC matched. */
  frames: number;
  /** Candidate packets of a known message whose CRC did not match. */
  crcErrors: number;
  /** Well-framed packets of a message id no loaded dialect knows (cannot be CRC-checked). */
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
  | { kind: 'need'; } // not enough bytes yet
  | { kind: 'bad'; } // not a packet here (bad header or CRC)
  | { kind: 'crc'; len: number } // known message, CRC mismatch
  | { kind: 'unknown'; len: number }
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
  if (extra === undefined) return { kind: 'unknown', len };
  const crcEnd = s + headerLen + plen;
  const crc = buf[crcEnd]! | (buf[crcEnd + 1]! << 8);
  return crcOf(buf, s + 1, crcEnd, extra) === crc ? { kind: 'ok', len } : { kind: 'crc', len };
}

function nextStart(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) {
    const b = buf[i];
    if (b === STX_V2 || b === STX_V1) return i;
  }
  return -1;
}

/**
 * Cuts MAVLink 1 and 2 packets out of a byte stream (one framer per remote peer).
 *
 * Unlike node-mavlink's splitter it does not stall on a false start byte: when a candidate
 * packet is still incomplete but a complete, CRC-valid packet already stands after it, the
 * candidate was noise and is skipped, so one stray 0xFD on a radio link does not hold back
 * the next ~280 bytes of telemetry until more data arrives.
 */
export class Framer {
  readonly counters: FramerCounters = { frames: 0, crcErrors: 0, unknown: 0, droppedBytes: 0 };
  private pending: Buffer | null = null;

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
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
          this.emit(buf, s, c.len);
          i = s + c.len;
          break;
        case 'need': {
          const later = this.findCompleteValid(buf, s + 1);
          if (later < 0) {
            this.pending = Buffer.from(buf.subarray(s)); // copy: do not pin the whole chunk
            return;
          }
          this.counters.droppedBytes += later - s;
          i = later;
          break;
        }
        case 'unknown':
          // Cannot verify an unknown message; accept its framing only if a packet (or the end of
          // the data) follows right after it and no valid packet starts inside it, else treat
          // its start byte as noise: a real packet must never be swallowed by an unverifiable one.
          if (s + c.len === buf.length) {
            // What follows is not here yet: decide when it is (a packet cut by the chunk may lie inside).
            this.pending = Buffer.from(buf.subarray(s));
            return;
          }
          if (check(buf, s + c.len).kind === 'ok' && this.findCompleteValid(buf, s + 1, s + c.len) < 0) {
            this.counters.unknown++;
            i = s + c.len;
          } else {
            this.counters.droppedBytes++;
            i = s + 1;
          }
          break;
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

  /** Drop a partial packet (e.g. when a stream reconnects, the old tail is meaningless). */
  reset(): void {
    if (this.pending) this.counters.droppedBytes += this.pending.length;
    this.pending = null;
  }

  /** The first start byte in [from, to) at which a complete, CRC-valid packet stands, or -1. */
  private findCompleteValid(buf: Buffer, from: number, to = buf.length): number {
    for (let s = nextStart(buf, from); s >= 0 && s < to; s = nextStart(buf, s + 1)) {
      if (check(buf, s).kind === 'ok') return s;
    }
    return -1;
  }

  private emit(buf: Buffer, s: number, len: number): void {
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
    });
  }
}
