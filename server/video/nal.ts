import type { VideoCodec } from './types.ts';

/**
 * NAL unit headers of H.264 (one byte, type in the low 5 bits) and H.265 (two bytes, type in
 * bits 1-6 of the first), and the byte-level escaping both share.
 */
export function nalType(codec: VideoCodec, nal: Buffer): number {
  return codec === 'h264' ? nal[0]! & 0x1f : (nal[0]! >> 1) & 0x3f;
}

/** H.264 IDR slice (5); H.265 IRAP pictures (BLA, IDR, CRA: 16-23), where decoding can start. */
export function isKeyNal(codec: VideoCodec, nal: Buffer): boolean {
  const t = nalType(codec, nal);
  return codec === 'h264' ? t === 5 : t >= 16 && t <= 23;
}

export type ParameterSetKind = 'vps' | 'sps' | 'pps';

/** H.264 SPS 7, PPS 8; H.265 VPS 32, SPS 33, PPS 34. */
export function parameterSetKind(codec: VideoCodec, nal: Buffer): ParameterSetKind | null {
  const t = nalType(codec, nal);
  if (codec === 'h264') return t === 7 ? 'sps' : t === 8 ? 'pps' : null;
  return t === 32 ? 'vps' : t === 33 ? 'sps' : t === 34 ? 'pps' : null;
}

/**
 * The NAL units of an Annex B byte stream (00 00 01 or 00 00 00 01 before each), start codes
 * removed, and the zero bytes between units (trailing_zero_8bits) too: a NAL unit never ends in 00.
 */
export function splitAnnexB(stream: Buffer): Buffer[] {
  const bodies: number[] = [];
  for (let i = 0; i + 2 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      bodies.push(i + 3);
      i += 2;
    }
  }
  return bodies.map((body, k) => {
    let end = k + 1 < bodies.length ? bodies[k + 1]! - 3 : stream.length;
    while (end > body && stream[end - 1] === 0) end--;
    return stream.subarray(body, end);
  }).filter((n) => n.length > 0);
}

/** The RBSP inside a NAL unit's bytes: every 00 00 03 loses its 03 (emulation prevention). */
export function unescapeRbsp(bytes: Buffer): Buffer {
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  let zeros = 0;
  for (const b of bytes) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** The other way: 00 00 followed by 00-03 gets an 03 between, so no start code appears inside a NAL unit. */
export function escapeRbsp(rbsp: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}
