/**
 * The picture size from a sequence parameter set (H.264 §7.3.2.1.1, H.265 §7.3.2.2), so a page
 * can lay out a tile before the first frame decodes.
 *
 * Written here rather than taken from npm: the one H.264 SPS parser there (h264-sps-parser) is a
 * single release with few users and no H.265; mux.js (a dependency already) keeps its parser
 * private inside its transmuxer. Reading up to the size is a few exp-Golomb fields; the rest of
 * the SPS (VUI, timing) is not needed and not read.
 */
import { unescapeRbsp } from './nal.ts';
import type { VideoCodec } from './types.ts';

export interface PictureSize {
  width: number;
  height: number;
}

/** Bits of an RBSP, most significant first, with exp-Golomb codes (§9.1). */
class BitReader {
  private bit = 0;
  constructor(private readonly bytes: Buffer) {}

  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.bit >> 3];
      if (byte === undefined) throw new RangeError('the parameter set ends early');
      v = v * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }

  skip(n: number): void {
    this.bit += n;
  }

  /** ue(v) */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) throw new RangeError('an exp-Golomb code longer than 32 bits');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** se(v) */
  se(): number {
    const k = this.ue();
    return k % 2 ? (k + 1) / 2 : -k / 2;
  }
}

/** H.264 profiles whose SPS carries chroma format and bit depth fields (§7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** SubWidthC and SubHeightC by chroma_format_idc (monochrome and 4:4:4 crop in luma units). */
const SUBSAMPLING: Record<number, [number, number]> = { 0: [1, 1], 1: [2, 2], 2: [2, 1], 3: [1, 1] };

function h264Size(r: BitReader): PictureSize {
  r.skip(8); // NAL header
  const profile = r.u(8);
  r.skip(16); // constraint flags, level
  r.ue(); // seq_parameter_set_id
  let chroma = 1;
  if (HIGH_PROFILES.has(profile)) {
    chroma = r.ue();
    if (chroma === 3) r.skip(1); // separate_colour_plane_flag
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.skip(1); // qpprime_y_zero_transform_bypass_flag
    if (r.u(1)) {
      for (let i = 0; i < (chroma === 3 ? 12 : 8); i++) if (r.u(1)) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.skip(1);
    r.se();
    r.se();
    const cycle = r.ue();
    for (let i = 0; i < cycle; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightUnits = r.ue() + 1;
  const frameMbsOnly = r.u(1);
  if (!frameMbsOnly) r.skip(1); // mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag
  let width = widthMbs * 16;
  let height = (2 - frameMbsOnly) * heightUnits * 16;
  if (r.u(1)) {
    const [sw, sh] = SUBSAMPLING[chroma] ?? [2, 2];
    const [left, right, top, bottom] = [r.ue(), r.ue(), r.ue(), r.ue()];
    width -= sw * (left + right);
    height -= sh * (2 - frameMbsOnly) * (top + bottom);
  }
  return { width, height };
}

function h265Size(r: BitReader): PictureSize {
  r.skip(16); // NAL header
  r.skip(4); // sps_video_parameter_set_id
  const subLayers = r.u(3); // sps_max_sub_layers_minus1
  r.skip(1); // sps_temporal_id_nesting_flag
  // profile_tier_level(1, subLayers): 88 bits of general profile, 8 of level, then per sub-layer
  r.skip(88 + 8);
  const present: [boolean, boolean][] = [];
  for (let i = 0; i < subLayers; i++) present.push([r.u(1) === 1, r.u(1) === 1]);
  if (subLayers > 0) r.skip(2 * (8 - subLayers));
  for (const [profile, level] of present) r.skip((profile ? 88 : 0) + (level ? 8 : 0));
  r.ue(); // sps_seq_parameter_set_id
  const chroma = r.ue();
  if (chroma === 3) r.skip(1); // separate_colour_plane_flag
  let width = r.ue();
  let height = r.ue();
  if (r.u(1)) {
    const [sw, sh] = SUBSAMPLING[chroma] ?? [2, 2];
    const [left, right, top, bottom] = [r.ue(), r.ue(), r.ue(), r.ue()];
    width -= sw * (left + right);
    height -= sh * (top + bottom);
  }
  return { width, height };
}

/** The size an SPS NAL unit (with its header, without a start code) describes; throws on a malformed one. */
export function pictureSize(codec: VideoCodec, sps: Buffer): PictureSize {
  const r = new BitReader(unescapeRbsp(sps));
  const size = codec === 'h264' ? h264Size(r) : h265Size(r);
  if (!(size.width > 0 && size.height > 0 && size.width <= 16384 && size.height <= 16384)) {
    throw new RangeError(`the SPS gives an impossible size ${size.width}×${size.height}`);
  }
  return size;
}
