/**
 * Reading the simulated camera's capture stamp (server/wire/capture-stamp.ts: an SEI carrying the
 * wall-clock time a picture went out) wherever the video bench meets a picture: in an RTP
 * datagram (a single NAL unit or a STAP-A), or in an fMP4 fragment's mdat (length-prefixed NALs).
 */
import { readCaptureStamp } from '../../server/wire/capture-stamp.ts';

export interface RtpPicturePart {
  timestamp: number;
  /** the last packet of its picture */
  marker: boolean;
  /** the capture stamp, when this packet carries it */
  stamp: number | null;
}

/** An RTP datagram's timestamp, marker bit and capture stamp (RFC 6184 single NAL or STAP-A). */
export function readRtp(d: Buffer): RtpPicturePart | null {
  if (d.length < 13 || d[0]! >> 6 !== 2) return null;
  const marker = (d[1]! & 0x80) !== 0;
  const timestamp = d.readUInt32BE(4);
  const payload = d.subarray(12 + 4 * (d[0]! & 0x0f));
  const type = payload[0]! & 0x1f;
  let stamp: number | null = null;
  if (type === 6) stamp = readCaptureStamp(payload);
  else if (type === 24) {
    for (let at = 1; at + 2 <= payload.length && stamp === null;) {
      const size = payload.readUInt16BE(at);
      stamp = readCaptureStamp(payload.subarray(at + 2, at + 2 + size));
      at += 2 + size;
    }
  }
  return { timestamp, marker, stamp };
}

/** The capture stamp inside an fMP4 fragment (moof + mdat of one picture), or null. */
export function fragmentStamp(f: Uint8Array): number | null {
  const view = new DataView(f.buffer, f.byteOffset, f.byteLength);
  let at = 0;
  while (at + 8 <= f.length) {
    const size = view.getUint32(at);
    const type = String.fromCharCode(f[at + 4]!, f[at + 5]!, f[at + 6]!, f[at + 7]!);
    if (type === 'mdat') {
      for (let n = at + 8; n + 4 <= at + size;) {
        const len = view.getUint32(n);
        const stamp = readCaptureStamp(f.subarray(n + 4, n + 4 + len));
        if (stamp !== null) return stamp;
        n += 4 + len;
      }
      return null;
    }
    if (size < 8) return null;
    at += size;
  }
  return null;
}
