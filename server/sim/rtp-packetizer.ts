/**
 * H.264 into RTP (RFC 6184, packetization-mode 1), as a camera sends it: a NAL unit that fits goes
 * alone, small ones in a row (SPS, PPS, SEI) share a STAP-A, a large one is cut into FU-A
 * fragments; the last packet of a picture has the marker bit. The simulator's camera packetizes
 * itself (ffmpeg only encodes) so that it can put its capture stamp into every picture.
 */
import crypto from 'node:crypto';

const STAP_A = 24;
const FU_A = 28;
const HEADER = 12;

export interface PacketizerOptions {
  /** RTP payload type (dynamic: 96, as an SDP would say) */
  payloadType?: number;
  /** largest RTP payload: 1200 keeps a packet under any path's MTU with room for tunnels */
  maxPayload?: number;
  ssrc?: number;
  seq?: number;
}

export class RtpPacketizer {
  private seq: number;
  readonly ssrc: number;
  private readonly payloadType: number;
  private readonly maxPayload: number;

  constructor(opts: PacketizerOptions = {}) {
    // Random starting points, as RFC 3550 asks, so a restarted camera is told from the old one.
    this.seq = opts.seq ?? crypto.randomInt(0, 0x10000);
    this.ssrc = opts.ssrc ?? crypto.randomInt(0, 2 ** 32 - 1);
    this.payloadType = opts.payloadType ?? 96;
    this.maxPayload = opts.maxPayload ?? 1200;
  }

  /** The packets of one picture: its NAL units (no start codes) at `timestamp` on the 90 kHz clock. */
  packetize(nals: readonly Uint8Array[], timestamp: number): Buffer[] {
    const payloads: Buffer[] = [];
    let group: Uint8Array[] = [];
    const flush = () => {
      if (group.length === 1) payloads.push(Buffer.from(group[0]!));
      else if (group.length > 1) {
        payloads.push(Buffer.concat([Buffer.from([(Math.max(...group.map((n) => n[0]! & 0x60))) | STAP_A]), ...group.flatMap((n) => [size16(n.length), n])]));
      }
      group = [];
    };
    for (const nal of nals) {
      if (nal.length > this.maxPayload) {
        flush();
        payloads.push(...this.fragments(nal));
        continue;
      }
      const grouped = 1 + group.reduce((s, n) => s + 2 + n.length, 0) + 2 + nal.length;
      if (group.length > 0 && grouped > this.maxPayload) flush();
      group.push(nal);
    }
    flush();
    return payloads.map((p, i) => this.packet(p, timestamp, i === payloads.length - 1));
  }

  private fragments(nal: Uint8Array): Buffer[] {
    const indicator = (nal[0]! & 0xe0) | FU_A;
    const type = nal[0]! & 0x1f;
    const body = nal.subarray(1);
    const room = this.maxPayload - 2;
    const out: Buffer[] = [];
    for (let at = 0; at < body.length; at += room) {
      const start = at === 0 ? 0x80 : 0;
      const end = at + room >= body.length ? 0x40 : 0;
      out.push(Buffer.concat([Buffer.from([indicator, start | end | type]), body.subarray(at, at + room)]));
    }
    return out;
  }

  private packet(payload: Buffer, timestamp: number, marker: boolean): Buffer {
    const h = Buffer.alloc(HEADER);
    h[0] = 0x80; // version 2, no padding, extension or CSRC
    h[1] = (marker ? 0x80 : 0) | this.payloadType;
    h.writeUInt16BE(this.seq, 2);
    h.writeUInt32BE(timestamp >>> 0, 4);
    h.writeUInt32BE(this.ssrc, 8);
    this.seq = (this.seq + 1) & 0xffff;
    return Buffer.concat([h, payload]);
  }
}

function size16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
