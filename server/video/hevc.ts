/**
 * H.265 in MP4: the 'hvc1' sample entry with its decoder configuration ('hvcC', ISO/IEC 14496-15
 * §8.3.3) and the codecs string browsers are asked about (RFC 6381 / ISO/IEC 14496-15 Annex E).
 * mux.js writes only H.264's 'avc1', so SkyBeat takes the init segment mux.js writes for the track
 * and puts its own sample entry in place of the H.264 one.
 */
import mp4 from 'mux.js/cjs/mp4/mp4-generator.js';
import { unescapeRbsp } from './nal.ts';
import type { ParameterSets } from './types.ts';

class Bits {
  private at = 0;
  constructor(private readonly data: Buffer, private readonly what: string) {}
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.data[this.at >> 3];
      if (byte === undefined) throw new Error(`${this.what}: ends early (bit ${this.at})`);
      v = v * 2 + ((byte >> (7 - (this.at & 7))) & 1);
      this.at++;
    }
    return v;
  }
  /** Exp-Golomb, unsigned */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new Error(`${this.what}: a malformed Exp-Golomb number`);
    return 2 ** zeros - 1 + this.u(zeros);
  }
  skip(n: number): void {
    this.at += n;
  }
}

/** What hvcC and the codecs string take from the SPS. */
export interface HevcProfile {
  profileSpace: number;
  tier: number;
  profileIdc: number;
  /** general_profile_compatibility_flags, 32 bits */
  compatibility: number;
  /** general_constraint_indicator_flags, 6 bytes */
  constraints: Buffer;
  levelIdc: number;
  chromaFormat: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  maxSubLayers: number;
  temporalIdNested: number;
}

/** Reads the SPS as far as the bit depths (ITU-T H.265 §7.3.2.2). */
export function hevcProfile(sps: Buffer): HevcProfile {
  const raw = unescapeRbsp(sps);
  const b = new Bits(raw, 'H.265 SPS');
  b.skip(16); // NAL unit header
  b.skip(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = b.u(3);
  const temporalIdNested = b.u(1);
  // profile_tier_level(1, maxSubLayersMinus1): the general part is byte-aligned here (bits 24..119).
  const profileSpace = b.u(2);
  const tier = b.u(1);
  const profileIdc = b.u(5);
  const compatibility = b.u(32);
  const constraints = Buffer.from(raw.subarray(2 + 1 + 1 + 4, 2 + 1 + 1 + 4 + 6));
  b.skip(48);
  const levelIdc = b.u(8);
  const subProfile: number[] = [];
  const subLevel: number[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    subProfile.push(b.u(1));
    subLevel.push(b.u(1));
  }
  if (maxSubLayersMinus1 > 0) { for (let i = maxSubLayersMinus1; i < 8; i++) b.skip(2); }
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (subProfile[i]) b.skip(88);
    if (subLevel[i]) b.skip(8);
  }
  b.ue(); // sps_seq_parameter_set_id
  const chromaFormat = b.ue();
  if (chromaFormat === 3) b.skip(1);
  b.ue(); // pic_width_in_luma_samples
  b.ue(); // pic_height_in_luma_samples
  if (b.u(1)) { for (let i = 0; i < 4; i++) b.ue(); // conformance window
   }
  const bitDepthLuma = b.ue() + 8;
  const bitDepthChroma = b.ue() + 8;
  return {
    profileSpace,
    tier,
    profileIdc,
    compatibility,
    constraints,
    levelIdc,
    chromaFormat,
    bitDepthLuma,
    bitDepthChroma,
    maxSubLayers: maxSubLayersMinus1 + 1,
    temporalIdNested,
  };
}

/** hvc1.1.6.L93.B0: profile space and idc, compatibility flags bit-reversed, tier and level, constraint bytes. */
export function hevcCodecs(p: HevcProfile): string {
  let reversed = 0;
  for (let i = 0; i < 32; i++) if (p.compatibility & (1 << i)) reversed |= 1 << (31 - i);
  const constraints = [...p.constraints];
  while (constraints.length && constraints[constraints.length - 1] === 0) constraints.pop();
  return [
    'hvc1',
    `${['', 'A', 'B', 'C'][p.profileSpace]}${p.profileIdc}`,
    (reversed >>> 0).toString(16).toUpperCase(),
    `${p.tier ? 'H' : 'L'}${p.levelIdc}`,
    ...constraints.map((c) => c.toString(16).toUpperCase()),
  ].join('.');
}

function box(type: string, ...payload: Buffer[]): Buffer {
  const size = 8 + payload.reduce((n, p) => n + p.length, 0);
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32BE(size);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...payload], size);
}

/** The decoder configuration record ('hvcC'), with the VPS, SPS and PPS in their arrays. */
export function hvcC(ps: ParameterSets, p: HevcProfile): Buffer {
  if (!ps.vps) throw new Error('H.265 needs a VPS besides the SPS and PPS');
  const head = Buffer.alloc(23);
  head[0] = 1;
  head[1] = (p.profileSpace << 6) | (p.tier << 5) | p.profileIdc;
  head.writeUInt32BE(p.compatibility >>> 0, 2);
  p.constraints.copy(head, 6);
  head[12] = p.levelIdc;
  head.writeUInt16BE(0xf000, 13); // reserved, min_spatial_segmentation_idc 0
  head[15] = 0xfc; // reserved, parallelismType 0 (unknown)
  head[16] = 0xfc | p.chromaFormat;
  head[17] = 0xf8 | (p.bitDepthLuma - 8);
  head[18] = 0xf8 | (p.bitDepthChroma - 8);
  head.writeUInt16BE(0, 19); // avgFrameRate unknown
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3 (4-byte lengths)
  head[21] = (p.maxSubLayers << 3) | (p.temporalIdNested << 2) | 3;
  head[22] = 3; // numOfArrays
  const array = (type: number, nal: Buffer) => {
    const h = Buffer.allocUnsafe(5);
    h[0] = 0x80 | type; // array_completeness: the sample entry holds them all ('hvc1')
    h.writeUInt16BE(1, 1);
    h.writeUInt16BE(nal.length, 3);
    return Buffer.concat([h, nal]);
  };
  return box('hvcC', head, array(32, ps.vps), array(33, ps.sps), array(34, ps.pps));
}

/** The boxes from the movie down to the sample descriptions, each replaced in turn. */
const PATH = ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'];
/** Bytes before a box's children: a full box's version and flags, and stsd's entry count. */
const CHILDREN_AT: Record<string, number> = { stsd: 8 };
/** A visual sample entry's own fields before its child boxes (ISO/IEC 14496-12 §12.1.3). */
const VISUAL_ENTRY_FIELDS = 78;

/** Rebuilds `data` (a run of boxes) with the box at `path` changed by `change`. */
function rebuild(data: Buffer, path: string[], change: (entry: Buffer) => Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 8 <= data.length) {
    const size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    const whole = data.subarray(at, at + size);
    if (path.length === 0) out.push(type === 'avc1' ? change(whole) : whole);
    else if (type === path[0]) {
      const skip = 8 + (CHILDREN_AT[type] ?? 0);
      const inner = rebuild(whole.subarray(skip), path.slice(1), change);
      out.push(box(type, whole.subarray(8, skip), inner));
    } else out.push(whole);
    at += size;
  }
  return Buffer.concat(out);
}

/** ftyp + moov for an H.265 track: mux.js's, with 'hvc1' + 'hvcC' where it writes 'avc1'. */
export function hevcInitSegment(ps: ParameterSets, trackId: number): { codecs: string; segment: Buffer } {
  const profile = hevcProfile(ps.sps);
  const config = hvcC(ps, profile);
  const h264Shaped = Buffer.from(mp4.initSegment([{ id: trackId, type: 'video', width: ps.width, height: ps.height, sps: [], pps: [] }]));
  const segment = rebuild(h264Shaped, PATH, (avc1) => box('hvc1', avc1.subarray(8, 8 + VISUAL_ENTRY_FIELDS), config));
  return { codecs: hevcCodecs(profile), segment };
}
