/**
 * RTP to whole pictures, for H.264 (RFC 6184, non-interleaved mode: single NAL unit packets,
 * STAP-A, FU-A) and H.265 (RFC 7798, in rtp-h265.ts).
 *
 * A picture is every NAL unit of one RTP timestamp; the packet with the marker bit ends it (a
 * new timestamp ends it too, for senders that forget the marker). Packets are taken in the order
 * they come: a sequence gap loses the picture in progress (it is counted and dropped, never
 * passed on half), and after a loss nothing goes out until the next key picture, since the
 * pictures between would decode to garbage against a missing reference. UDP on a LAN or
 * loopback does not reorder, so there is no jitter buffer: a packet that comes late is a loss.
 * Bytes that are not RTP or not this payload format are counted (badPackets), never thrown.
 */
import { isKeyNal } from './nal.ts';
import { h265Payload } from './rtp-h265.ts';
import { isRtcp, parseRtp, type RtpPacket } from './rtp-packet.ts';
import type { AccessUnit, VideoCodec } from './types.ts';

/** What a payload format hands back while reading one packet. */
export interface PayloadReader {
  nal(nal: Buffer): void;
  fragment(start: boolean, end: boolean, header: Buffer, body: Buffer): void;
  bad(reason: string): void;
}

export interface DepacketizerCounts {
  units: number;
  badPackets: number;
  lostPackets: number;
  /** the sender started again: a new SSRC, or a sequence jump no loss explains */
  restarts: number;
}

export interface DepacketizerOptions {
  codec: VideoCodec;
  /** take only this payload type (the SDP's); any when not given (a bare rtp:// port) */
  payloadType?: number;
  /** H.265 with sprop-max-don-diff > 0: DONL/DOND fields are present */
  donl?: boolean;
  unit: (unit: AccessUnit) => void;
  /** why a packet was bad, or the sender restarted (for a debug log) */
  note?: (what: string) => void;
}

/** A forward jump longer than this is a new stream from the same sender, not a loss. */
const MAX_GAP = 3000;
/** This far behind, a packet is late or duplicated; farther, the sender started again. */
const MAX_LATE = 100;
/**
 * A step of the RTP clock back by more than this is no B-frame reordering (a few frames) but a
 * restarted sender; forward by more than MAX_JUMP_90K, the same (a pause is not sent as RTP time).
 */
const MAX_BACK_90K = 90_000;
const MAX_JUMP_90K = 10 * 90_000;
/** After a restart the pictures go on one frame later than the last one (25 fps), so pts keep growing. */
const RESTART_STEP_90K = 3600;

const H264 = { STAP_A: 24, FU_A: 28 };
/**
 * A picture larger than this is no drone camera's (a key picture at 8 Mbit/s is a few hundred kB):
 * its units are dropped and it is lost. Without a bound, anyone who can reach the UDP port could
 * send fragments (or units) of one timestamp without an end, and every byte was kept.
 */
const MAX_PICTURE_BYTES = 8 * 1024 * 1024;

/**
 * A NAL unit's last byte is never 00 (H.264 §7.4.1, H.265 §7.4.2); some senders (ffmpeg's H.265
 * RTP) carry a byte stream's trailing zero into the packet. Taken off so every source gives the
 * units as the encoder made them.
 */
function withoutTrailingZeros(nal: Buffer): Buffer {
  let end = nal.length;
  while (end > 1 && nal[end - 1] === 0) end--;
  return end === nal.length ? nal : nal.subarray(0, end);
}

export class RtpDepacketizer {
  readonly counts: DepacketizerCounts = { units: 0, badPackets: 0, lostPackets: 0, restarts: 0 };
  private ssrc: number | null = null;
  /** the payload type the sender uses: the SDP's, or learnt with its first packets */
  private payloadType: number | undefined;
  /** a packet of a sender not (yet) taken, waiting for its next (probation) */
  private candidate: { packet: RtpPacket; arrivedMs: number } | null = null;
  private lastSeq = -1;
  private lastTimestamp = 0;
  /** the unwrapped timestamp of the last packet, plus what restarts added */
  private pts = 0;
  private waitForKey = true;
  private picture: { timestamp: number; pts: number; nals: Buffer[]; bytes: number; arrivedMs: number; broken: boolean } | null = null;
  private fu: { header: Buffer; parts: Buffer[] } | null = null;
  private readonly reader: PayloadReader;

  constructor(private readonly opts: DepacketizerOptions) {
    this.payloadType = opts.payloadType;
    this.reader = {
      nal: (nal) => {
        if (this.holds(nal.length)) this.picture!.nals.push(withoutTrailingZeros(nal));
      },
      fragment: (start, end, header, body) => this.fragment(start, end, header, body),
      bad: (reason) => this.bad(reason, true),
    };
  }

  get codec(): VideoCodec {
    return this.opts.codec;
  }

  /** One datagram (UDP) or interleaved frame (RTSP over TCP), as it arrived at `arrivedMs`. */
  push(datagram: Buffer, arrivedMs: number): void {
    if (isRtcp(datagram)) return;
    const p = parseRtp(datagram);
    if (typeof p === 'string') return this.bad(p, false);
    if (this.opts.payloadType !== undefined && p.payloadType !== this.opts.payloadType) {
      return this.bad(`payload type ${p.payloadType}, expected ${this.opts.payloadType}`, false);
    }
    const gap = ((p.seq - this.lastSeq - 1) << 16) >> 16; // signed 16-bit distance from the expected
    if (this.ssrc === p.ssrc && p.payloadType === this.payloadType && gap <= MAX_GAP && gap >= -MAX_LATE) {
      if (this.candidate) this.bad(`a lone packet of SSRC ${this.candidate.packet.ssrc.toString(16)}`, false);
      this.candidate = null;
      if (gap < 0) return this.opts.note?.(`late or duplicate packet ${p.seq} dropped`);
      if (gap > 0) {
        this.counts.lostPackets += gap;
        this.loseSequence();
      }
      return this.take(p, arrivedMs);
    }
    this.probation(p, arrivedMs, gap);
  }

  /**
   * A sender is taken (the first, or a new one after a restart) only once two packets of its SSRC
   * come in sequence, as RFC 3550's probation asks, so one stray datagram that happens to look like
   * RTP cannot end a stream. The first packet waits meanwhile and is then taken too.
   */
  private probation(p: RtpPacket, arrivedMs: number, gap: number): void {
    const c = this.candidate;
    if (!c || c.packet.ssrc !== p.ssrc || c.packet.payloadType !== p.payloadType || ((p.seq - c.packet.seq) & 0xffff) !== 1) {
      if (c) this.bad(`a lone packet of SSRC ${c.packet.ssrc.toString(16)}`, false);
      this.candidate = { packet: p, arrivedMs };
      return;
    }
    this.candidate = null;
    if (this.ssrc !== null) {
      this.counts.restarts++;
      this.opts.note?.(`sender restarted: ${p.ssrc !== this.ssrc ? `new SSRC ${p.ssrc.toString(16)}` : `sequence jumped by ${gap + 1}`}`);
      this.loseSequence();
      this.endPicture();
      this.pts += RESTART_STEP_90K;
    }
    this.ssrc = p.ssrc;
    this.payloadType = p.payloadType;
    this.lastTimestamp = c.packet.timestamp;
    if (this.lastSeq < 0) this.pts = c.packet.timestamp;
    this.take(c.packet, c.arrivedMs);
    this.take(p, arrivedMs);
  }

  private take(p: RtpPacket, arrivedMs: number): void {
    this.lastSeq = p.seq;
    const step = (p.timestamp - this.lastTimestamp) | 0; // a signed 32-bit step: the wrap unwraps itself
    this.lastTimestamp = p.timestamp;
    if (step < -MAX_BACK_90K || step > MAX_JUMP_90K) {
      // The sender's clock jumped (its encoder restarted behind the same SSRC and sequence): a new
      // stream for the decoder, and pts go on from where they were.
      this.counts.restarts++;
      this.opts.note?.(`the RTP clock jumped by ${step / 90} ms: taken as a restart`);
      this.loseSequence();
      this.endPicture();
      this.pts += RESTART_STEP_90K;
    } else this.pts += step;
    if (this.picture && this.picture.timestamp !== p.timestamp) this.endPicture();
    if (!this.picture) {
      this.picture = { timestamp: p.timestamp, pts: this.pts, nals: [], bytes: 0, arrivedMs, broken: false };
    }
    if (this.opts.codec === 'h264') this.h264(p.payload);
    else h265Payload(p.payload, this.opts.donl ?? false, this.reader);
    if (p.marker) this.endPicture();
  }

  /** The picture in progress cannot be whole any more, nor the ones that refer to it. */
  private loseSequence(): void {
    if (this.picture) this.picture.broken = true;
    this.fu = null;
    this.waitForKey = true;
  }

  private bad(reason: string, inPicture: boolean): void {
    this.counts.badPackets++;
    this.opts.note?.(`bad packet: ${reason}`);
    if (inPicture) this.loseSequence();
  }

  private h264(payload: Buffer): void {
    const type = payload[0]! & 0x1f;
    if (payload[0]! & 0x80) return this.reader.bad('H.264 NAL header with the forbidden bit set');
    if (type >= 1 && type <= 23) return this.reader.nal(payload);
    if (type === H264.STAP_A) {
      let at = 1;
      while (at < payload.length) {
        if (at + 2 > payload.length) return this.reader.bad('STAP-A cut inside a size');
        const size = payload.readUInt16BE(at);
        at += 2;
        if (size === 0 || at + size > payload.length) return this.reader.bad(`STAP-A: a unit of ${size} bytes does not fit`);
        this.reader.nal(payload.subarray(at, at + size));
        at += size;
      }
      return;
    }
    if (type === H264.FU_A) {
      if (payload.length < 3) return this.reader.bad('FU-A shorter than its two header bytes');
      const fu = payload[1]!;
      // The unit's own header: F and NRI from the FU indicator, the type from the FU header.
      const header = Buffer.from([(payload[0]! & 0xe0) | (fu & 0x1f)]);
      return this.fragment((fu & 0x80) !== 0, (fu & 0x40) !== 0, header, payload.subarray(2));
    }
    // STAP-B, MTAP16/24 and FU-B exist only in interleaved mode, which cameras do not use.
    this.reader.bad(`H.264 payload type ${type} is not handled (non-interleaved mode: 1-23, STAP-A, FU-A)`);
  }

  /**
   * Room for `size` more bytes in the picture? A broken picture keeps nothing (it will not be
   * passed on); one that would grow past MAX_PICTURE_BYTES is lost, and what it held let go.
   */
  private holds(size: number): boolean {
    const pic = this.picture!;
    if (pic.broken) return false;
    pic.bytes += size;
    if (pic.bytes <= MAX_PICTURE_BYTES) return true;
    this.bad(`a picture over ${MAX_PICTURE_BYTES / 1024 / 1024} MB`, true);
    pic.nals = [];
    return false;
  }

  private fragment(start: boolean, end: boolean, header: Buffer, body: Buffer): void {
    if (start && end) return this.reader.bad('a fragment that both starts and ends its unit');
    if (start) {
      if (this.fu) this.loseSequence();
      if (!this.holds(header.length + body.length)) return;
      this.fu = { header, parts: [header, body] };
      return;
    }
    // A middle or end without its start: its start was lost (already counted) or never sent.
    if (!this.fu) {
      if (this.picture) this.picture.broken = true;
      return;
    }
    if (!this.holds(body.length)) return;
    this.fu.parts.push(body);
    if (end) {
      const nal = Buffer.concat(this.fu.parts);
      this.fu = null;
      if (!this.picture!.broken) this.picture!.nals.push(withoutTrailingZeros(nal));
    }
  }

  private endPicture(): void {
    const pic = this.picture;
    this.picture = null;
    if (!pic) return;
    const whole = !pic.broken && this.fu === null && pic.nals.length > 0;
    this.fu = null;
    if (!whole) {
      this.waitForKey = true;
      return;
    }
    const key = pic.nals.some((n) => isKeyNal(this.opts.codec, n));
    if (this.waitForKey && !key) return;
    this.waitForKey = false;
    this.counts.units++;
    this.opts.unit({ codec: this.opts.codec, nals: pic.nals, pts90k: pic.pts, key, arrivedMs: pic.arrivedMs });
  }
}
