/**
 * RTP payload format for H.265 (RFC 7798 §4.4): a single NAL unit (types 0-47, the payload is the
 * NAL unit), an aggregation packet (AP, 48: 16-bit size + NAL unit, repeated) and a fragmentation
 * unit (FU, 49: payload header, FU header S|E|FuType, a piece of one NAL unit). With
 * sprop-max-don-diff > 0 the sender adds decoding order numbers (DONL/DOND), which only matter
 * for reordering; they are skipped. PACI (50) is not handled.
 */
import type { PayloadReader } from './rtp-h264.ts';

const AP = 48;
const FU = 49;

export function h265Payload(payload: Buffer, donl: boolean, read: PayloadReader): void {
  if (payload.length < 3) return read.bad('H.265 payload shorter than its header');
  const type = (payload[0]! >> 1) & 0x3f;
  if (type < AP) return read.nal(payload);
  if (type === AP) {
    let at = 2 + (donl ? 2 : 0);
    let first = true;
    while (at < payload.length) {
      if (!first && donl) at += 1; // DOND
      if (at + 2 > payload.length) return read.bad('H.265 aggregation packet cut inside a size');
      const size = payload.readUInt16BE(at);
      at += 2;
      if (size === 0 || at + size > payload.length) return read.bad(`H.265 aggregation packet: a unit of ${size} bytes does not fit`);
      read.nal(payload.subarray(at, at + size));
      at += size;
      first = false;
    }
    return;
  }
  if (type === FU) {
    const fu = payload[2]!;
    const start = (fu & 0x80) !== 0;
    const end = (fu & 0x40) !== 0;
    let body = 3;
    if (start && donl) body += 2;
    if (body > payload.length) return read.bad('H.265 fragment cut short');
    // The unit's own two-byte header: F and layer id from the payload header, the type from the FU header.
    const header = Buffer.from([(payload[0]! & 0x81) | ((fu & 0x3f) << 1), payload[1]!]);
    return read.fragment(start, end, header, payload.subarray(body));
  }
  return read.bad(`H.265 payload type ${type} is not handled (only single units, AP and FU)`);
}
