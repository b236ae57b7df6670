import { parameterSetKind } from './nal.ts';
import { pictureSize } from './sps.ts';
import type { AccessUnit, ParameterSets, VideoCodec } from './types.ts';

/**
 * The newest SPS/PPS (and VPS for H.265) of a stream: from the SDP's sprop-parameter-sets (or
 * sprop-vps/-sps/-pps, RFC 7798) when the source has one, then from the stream itself, which
 * wins (a camera that changes resolution sends new ones before its next key picture).
 */
export class ParameterSetTracker {
  private vps: Buffer | undefined;
  private sps: Buffer | undefined;
  private pps: Buffer | undefined;
  private sets: ParameterSets | undefined;
  /** why the last SPS could not be read, if it could not */
  problem: string | undefined;

  constructor(readonly codec: VideoCodec) {}

  /** Base64 parameter sets from an SDP fmtp line, comma-separated (any order; told apart by NAL type). */
  addSprop(list: string): void {
    for (const b64 of list.split(',')) {
      const nal = Buffer.from(b64.trim(), 'base64');
      if (nal.length > 0) this.take(nal);
    }
  }

  /** Keeps the parameter sets a picture carries; true when they changed. */
  fromUnit(unit: AccessUnit): boolean {
    let changed = false;
    for (const nal of unit.nals) changed = this.take(nal) || changed;
    return changed;
  }

  /** Keeps one NAL unit if it is a parameter set; true when it changed what we hold. */
  take(nal: Buffer): boolean {
    const kind = parameterSetKind(this.codec, nal);
    if (!kind || this[kind]?.equals(nal)) return false;
    this[kind] = Buffer.from(nal); // a copy: the packet's buffer is not ours to keep
    this.sets = undefined;
    return true;
  }

  current(): ParameterSets | undefined {
    if (this.sets) return this.sets;
    if (!this.sps || !this.pps || (this.codec === 'h265' && !this.vps)) return undefined;
    try {
      const size = pictureSize(this.codec, this.sps);
      this.problem = undefined;
      this.sets = { codec: this.codec, sps: this.sps, pps: this.pps, ...(this.vps ? { vps: this.vps } : {}), ...size };
    } catch (err) {
      this.problem = `unreadable SPS: ${(err as Error).message}`;
    }
    return this.sets;
  }
}
