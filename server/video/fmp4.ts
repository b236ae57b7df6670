/**
 * Whole pictures (AccessUnits) into fragmented MP4 for the browser's Media Source Extensions:
 * one init segment (the decoder's configuration, from the parameter sets) and then one
 * moof+mdat fragment per picture, so a picture can be shown as soon as it arrives. Nothing is
 * re-encoded: the camera's own NAL units go into the mdat, each behind a 4-byte length (the MP4
 * form of H.264/H.265) instead of an Annex B start code. mux.js writes the boxes for H.264; the
 * H.265 sample entry is SkyBeat's own (hevc.ts), as mux.js has none.
 */
import mp4 from 'mux.js/cjs/mp4/mp4-generator.js';
import { hevcInitSegment } from './hevc.ts';
import type { AccessUnit, ParameterSets, VideoCodec } from './types.ts';

const TRACK_ID = 1;
/** A picture's duration is only known when the next one comes; until then the last gap is used, or 30 fps before any. */
const FIRST_DURATION_90K = 3000;
/** A longer gap between two pictures is a stall or a restart, not a frame interval. */
const MAX_DURATION_90K = 90_000;
/** A jump forward beyond this, or any step back, starts a new timeline (a camera restarted, a new stream). */
const MAX_JUMP_90K = 10 * 90_000;

/** What a browser needs before the first fragment. */
export interface InitSegment {
  codec: VideoCodec;
  /** the RFC 6381 codecs string, e.g. avc1.42c01e: what MediaSource.isTypeSupported is asked */
  codecs: string;
  /** the full MIME type for addSourceBuffer */
  mime: string;
  width: number;
  height: number;
  segment: Buffer;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** avc1.PPCCLL: profile_idc, the constraint flags and level_idc, the SPS's 2nd to 4th bytes. */
export function avcCodecs(sps: Buffer): string {
  if (sps.length < 4) throw new Error(`H.264 SPS of ${sps.length} bytes: too short to hold a profile and level`);
  return `avc1.${hex2(sps[1]!)}${hex2(sps[2]!)}${hex2(sps[3]!)}`;
}

/** The init segment (ftyp + moov) for these parameter sets. */
export function initSegment(ps: ParameterSets): InitSegment {
  if (ps.codec === 'h265') {
    const h = hevcInitSegment(ps, TRACK_ID);
    return { codec: 'h265', codecs: h.codecs, mime: `video/mp4; codecs="${h.codecs}"`, width: ps.width, height: ps.height, segment: h.segment };
  }
  const codecs = avcCodecs(ps.sps);
  const segment = mp4.initSegment([{
    id: TRACK_ID,
    type: 'video',
    width: ps.width,
    height: ps.height,
    sps: [ps.sps],
    pps: [ps.pps],
    profileIdc: ps.sps[1],
    profileCompatibility: ps.sps[2],
    levelIdc: ps.sps[3],
  }]);
  return { codec: 'h264', codecs, mime: `video/mp4; codecs="${codecs}"`, width: ps.width, height: ps.height, segment: Buffer.from(segment) };
}

/**
 * NAL unit types that stay out of the samples: parameter sets live in the init segment ('avc1',
 * 'hvc1' sample entries), and access unit delimiters say nothing a length-prefixed sample needs.
 */
function kept(codec: VideoCodec, nal: Buffer): boolean {
  if (nal.length === 0) return false;
  if (codec === 'h264') {
    const type = nal[0]! & 0x1f;
    return type !== 7 && type !== 8 && type !== 9;
  }
  const type = (nal[0]! >> 1) & 0x3f;
  return type < 32 || type > 35;
}

/** Has the stream gone back in time or leapt forward: must the next fragment start a new timeline? */
export function breaksTimeline(lastPts90k: number | undefined, pts90k: number): boolean {
  return lastPts90k !== undefined && (pts90k < lastPts90k || pts90k - lastPts90k > MAX_JUMP_90K);
}

/**
 * One stream's fragments. The timeline starts at the first picture's pts (decode time 0) and is
 * the same for every viewer, so a fragment is made once and sent to all of them. Decode time is
 * the presentation time: low-latency cameras send no B-frames (RTP carries no decode time), so the
 * two are equal.
 */
export class Fragmenter {
  private sequence = 0;
  private lastPts: number | undefined;
  private duration = FIRST_DURATION_90K;

  constructor(readonly originPts90k: number) {}

  /** The fragment (moof + mdat) of one picture. */
  fragment(unit: AccessUnit): Buffer {
    if (this.lastPts !== undefined && unit.pts90k > this.lastPts && unit.pts90k - this.lastPts <= MAX_DURATION_90K) {
      this.duration = unit.pts90k - this.lastPts;
    }
    this.lastPts = unit.pts90k;
    const parts: Buffer[] = [];
    let size = 0;
    for (const nal of unit.nals) {
      if (!kept(unit.codec, nal)) continue;
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32BE(nal.length);
      parts.push(length, nal);
      size += 4 + nal.length;
    }
    const moof = mp4.moof(++this.sequence, [{
      id: TRACK_ID,
      type: 'video',
      width: 0,
      height: 0,
      baseMediaDecodeTime: unit.pts90k - this.originPts90k,
      samples: [{
        duration: this.duration,
        size,
        compositionTimeOffset: 0,
        flags: {
          isLeading: 0,
          // 2: depends on no other picture (a key picture); 1: depends on others
          dependsOn: unit.key ? 2 : 1,
          isDependedOn: 0,
          hasRedundancy: 0,
          paddingValue: 0,
          isNonSyncSample: unit.key ? 0 : 1,
          degradationPriority: 0,
        },
      }],
    }]);
    const mdatHeader = Buffer.allocUnsafe(8);
    mdatHeader.writeUInt32BE(8 + size);
    mdatHeader.write('mdat', 4, 'latin1');
    return Buffer.concat([moof, mdatHeader, ...parts], moof.length + 8 + size);
  }
}
