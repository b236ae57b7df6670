/**
 * Reads the FLV that ffmpeg writes for the simulator's camera. Why FLV and not a raw H.264 byte
 * stream: in a raw stream a picture's end is only known when the next one begins (a frame late),
 * and a pipe's reads do not follow ffmpeg's writes. FLV frames each picture as one tag with its
 * time, and is a dozen lines to read: 9-byte header, then tags (type, 24-bit size, time,
 * stream id, data) each followed by its 32-bit size. A video tag of AVC holds either the
 * decoder configuration (SPS/PPS, once) or one picture's NAL units, each with a length before it.
 */
export type FlvVideo =
  | { kind: 'config'; sps: Buffer[]; pps: Buffer[] }
  | { kind: 'picture'; key: boolean; nals: Buffer[]; ms: number };

const FLV_HEADER = 9 + 4; // header and PreviousTagSize0
const TAG_HEADER = 11;
const VIDEO = 9;
const AVC = 7;

export class FlvReader {
  private pending: Buffer = Buffer.alloc(0);
  private headerRead = false;
  private lengthSize = 4;

  constructor(private readonly emit: (v: FlvVideo) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    if (!this.headerRead) {
      if (this.pending.length < FLV_HEADER) return;
      if (this.pending.toString('latin1', 0, 3) !== 'FLV') throw new Error('the encoder did not write FLV');
      this.pending = this.pending.subarray(FLV_HEADER);
      this.headerRead = true;
    }
    while (this.pending.length >= TAG_HEADER) {
      const size = this.pending.readUIntBE(1, 3);
      if (this.pending.length < TAG_HEADER + size + 4) return;
      const type = this.pending[0]! & 0x1f;
      const ms = this.pending.readUIntBE(4, 3) + this.pending[7]! * 2 ** 24;
      if (type === VIDEO) this.video(this.pending.subarray(TAG_HEADER, TAG_HEADER + size), ms);
      this.pending = this.pending.subarray(TAG_HEADER + size + 4);
    }
  }

  private video(data: Buffer, ms: number): void {
    if (data.length < 5 || (data[0]! & 0x0f) !== AVC) return;
    const key = data[0]! >> 4 === 1;
    const body = data.subarray(5); // codec byte, AVCPacketType, composition time
    if (data[1] === 0) this.emit(this.config(body));
    else if (data[1] === 1) {
      const nals: Buffer[] = [];
      for (let at = 0; at + this.lengthSize <= body.length;) {
        const n = body.readUIntBE(at, this.lengthSize);
        at += this.lengthSize;
        nals.push(body.subarray(at, at + n));
        at += n;
      }
      this.emit({ kind: 'picture', key, nals, ms });
    }
  }

  /** AVCDecoderConfigurationRecord (ISO 14496-15 §5.2.4.1): the length size, SPSs, PPSs. */
  private config(rec: Buffer): FlvVideo {
    this.lengthSize = (rec[4]! & 0x03) + 1;
    let at = 5;
    const take = (count: number) => {
      const out: Buffer[] = [];
      for (let i = 0; i < count; i++) {
        const n = rec.readUInt16BE(at);
        out.push(rec.subarray(at + 2, at + 2 + n));
        at += 2 + n;
      }
      return out;
    };
    const sps = take(rec[at++]! & 0x1f);
    const pps = take(rec[at++]!);
    return { kind: 'config', sps, pps };
  }
}
