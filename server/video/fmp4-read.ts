/**
 * Reading back the fragmented MP4 that fmp4.ts writes, for recordings: where the init segment
 * (ftyp + moov) ends, and each fragment's place, decode time, duration and whether it starts at a
 * key picture. A file cut short (the service killed, the disk full) is read up to its last whole
 * fragment: what follows is a partial box a player would stumble on, and recovery cuts it off.
 * Also rewrites a fragment's decode time and sequence number in place, so the segments of a run
 * can be joined into one file on one timeline without touching the pictures.
 */

/** A box's type and where it lies in the buffer (header included). */
export interface BoxSpan {
  type: string;
  start: number;
  end: number;
}

/** One moof + mdat pair. */
export interface FragmentSpan {
  start: number;
  /** just after its mdat */
  end: number;
  sequence: number;
  /** tfdt: the first sample's decode time, in the track's timescale (90 kHz here) */
  decodeTime: number;
  /** the samples' durations added up */
  duration: number;
  /** its first sample is a sync sample (a key picture) */
  key: boolean;
  /** where the mfhd's sequence number and the tfdt box are, for rewriting */
  sequenceAt: number;
  tfdtAt: number;
}

export interface FragmentedMp4 {
  /** ftyp + moov, as one span (null when the file does not start with them) */
  init: BoxSpan | null;
  fragments: FragmentSpan[];
  /** bytes up to the end of the last whole fragment (or of the init segment) */
  wholeBytes: number;
}

export class Mp4ReadError extends Error {}

/** The boxes between start and end; stops at one that runs past end (a cut file). */
export function boxesOf(buf: Buffer, start = 0, end = buf.length): BoxSpan[] {
  const out: BoxSpan[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) break;
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || at + size > end) break;
    out.push({ type: buf.toString('latin1', at + 4, at + 8), start: at, end: at + size });
    at += size;
  }
  return out;
}

const child = (buf: Buffer, parent: BoxSpan, type: string) => boxesOf(buf, parent.start + 8, parent.end).find((b) => b.type === type);

/** A sample's flags say "not a sync sample" with this bit (ISO/IEC 14496-12, 8.8.3.1). */
const NON_SYNC = 0x10000;

function readFragment(buf: Buffer, moof: BoxSpan, mdat: BoxSpan): FragmentSpan {
  const mfhd = child(buf, moof, 'mfhd');
  const traf = child(buf, moof, 'traf');
  const tfhd = traf && child(buf, traf, 'tfhd');
  const tfdt = traf && child(buf, traf, 'tfdt');
  const trun = traf && child(buf, traf, 'trun');
  if (!mfhd || !tfhd || !tfdt || !trun) throw new Mp4ReadError(`fragment at byte ${moof.start}: its moof lacks mfhd, tfhd, tfdt or trun`);
  // tfhd: the defaults a trun may leave out
  const tfhdFlags = buf.readUInt32BE(tfhd.start + 8) & 0xffffff;
  let at = tfhd.start + 16; // after version/flags and track_ID
  if (tfhdFlags & 0x1) at += 8; // base_data_offset
  if (tfhdFlags & 0x2) at += 4; // sample_description_index
  const defaultDuration = tfhdFlags & 0x8 ? buf.readUInt32BE(at) : 0;
  if (tfhdFlags & 0x8) at += 4;
  if (tfhdFlags & 0x10) at += 4; // default_sample_size
  const defaultFlags = tfhdFlags & 0x20 ? buf.readUInt32BE(at) : 0;
  // trun: its samples, each with what its flags say it carries
  const trunFlags = buf.readUInt32BE(trun.start + 8) & 0xffffff;
  const count = buf.readUInt32BE(trun.start + 12);
  at = trun.start + 16;
  if (trunFlags & 0x1) at += 4; // data_offset
  let firstFlags: number | undefined;
  if (trunFlags & 0x4) {
    firstFlags = buf.readUInt32BE(at);
    at += 4;
  }
  let duration = 0;
  for (let i = 0; i < count; i++) {
    const d = trunFlags & 0x100 ? buf.readUInt32BE(at) : defaultDuration;
    if (trunFlags & 0x100) at += 4;
    if (trunFlags & 0x200) at += 4;
    if (trunFlags & 0x400) {
      if (i === 0 && firstFlags === undefined) firstFlags = buf.readUInt32BE(at);
      at += 4;
    }
    if (trunFlags & 0x800) at += 4;
    duration += d;
  }
  const version = buf[tfdt.start + 8]!;
  return {
    start: moof.start,
    end: mdat.end,
    sequence: buf.readUInt32BE(mfhd.start + 12),
    decodeTime: version === 1 ? Number(buf.readBigUInt64BE(tfdt.start + 12)) : buf.readUInt32BE(tfdt.start + 12),
    duration,
    key: ((firstFlags ?? defaultFlags) & NON_SYNC) === 0,
    sequenceAt: mfhd.start + 12,
    tfdtAt: tfdt.start,
  };
}

/** The init segment and the whole fragments of a fragmented MP4 file's bytes. */
export function readFragmentedMp4(buf: Buffer): FragmentedMp4 {
  const top = boxesOf(buf);
  const ftyp = top[0]?.type === 'ftyp' ? top[0] : null;
  const moov = ftyp && top[1]?.type === 'moov' ? top[1] : null;
  const init = ftyp && moov ? { type: 'init', start: 0, end: moov.end } : null;
  const fragments: FragmentSpan[] = [];
  for (let i = init ? 2 : 0; i < top.length; i++) {
    const box = top[i]!;
    if (box.type !== 'moof') continue;
    const mdat = top[i + 1];
    if (mdat?.type !== 'mdat') break; // its pictures were never written whole
    fragments.push(readFragment(buf, box, mdat));
    i++;
  }
  return { init, fragments, wholeBytes: fragments.at(-1)?.end ?? init?.end ?? 0 };
}

/** Sets a fragment's decode time (tfdt) and sequence number (mfhd) in place. */
export function retime(buf: Buffer, f: FragmentSpan, decodeTime: number, sequence: number): void {
  buf.writeUInt32BE(sequence, f.sequenceAt);
  if (buf[f.tfdtAt + 8] === 1) buf.writeBigUInt64BE(BigInt(decodeTime), f.tfdtAt + 12);
  else if (decodeTime <= 0xffffffff) buf.writeUInt32BE(decodeTime, f.tfdtAt + 12);
  else throw new Mp4ReadError(`fragment at byte ${f.start}: a 32-bit tfdt cannot hold ${decodeTime}`);
}
