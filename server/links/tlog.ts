import fs from 'node:fs';
import path from 'node:path';

/** A .tlog record: microseconds since the Unix epoch + one MAVLink packet as on the wire. */
export interface TlogRecord {
  timeUs: bigint;
  packet: Buffer;
}

/** Length of the MAVLink packet starting at buf[at], or -1 if no packet starts there. */
function packetLength(buf: Buffer, at: number): number {
  if (at + 3 > buf.length) return -1;
  const stx = buf[at];
  if (stx === 0xfe) return 8 + buf[at + 1]!;
  if (stx === 0xfd) return 12 + buf[at + 1]! + (buf[at + 2]! & 1 ? 13 : 0);
  return -1;
}

/**
 * Split a .tlog file into records. Throws with the byte offset when a record does not start
 * with a MAVLink start byte, rather than guessing past damage.
 */
export function parseTlog(buf: Buffer, source = 'tlog'): TlogRecord[] {
  const out: TlogRecord[] = [];
  let at = 0;
  while (at < buf.length) {
    const len = at + 8 <= buf.length ? packetLength(buf, at + 8) : -1;
    if (len < 0 || at + 8 + len > buf.length) {
      throw new Error(`${source}: no complete MAVLink packet after the timestamp at byte ${at} (file is ${buf.length} bytes)`);
    }
    out.push({ timeUs: buf.readBigUInt64BE(at), packet: buf.subarray(at + 8, at + 8 + len) });
    at += 8 + len;
  }
  return out;
}

/** Records are gathered in chunks this big and written once per event-loop turn (or when full). */
const CHUNK_BYTES = 64 * 1024;

/**
 * Appends both directions of a link's traffic to a .tlog file (the format QGroundControl,
 * Mission Planner and MAVProxy read). Records are copied into a chunk that goes to the file at
 * the end of the event-loop turn, one write for hundreds of packets; a crash loses at most the
 * last moment of telemetry.
 */
export class TlogWriter {
  private readonly stream: fs.WriteStream;
  private failed = false;
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private flushQueued = false;
  private readonly flush = () => {
    this.flushQueued = false;
    if (this.used === 0 || this.failed) return;
    this.stream.write(this.chunk.subarray(0, this.used));
    // The stream keeps the written slice until it is on disk: the next records go to a new chunk.
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  };

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.stream = fs.createWriteStream(file, { flags: 'a' });
    this.stream.on('error', () => {
      this.failed = true;
    });
  }

  write(packet: Buffer, timeMs = Date.now()): void {
    if (this.failed) return;
    if (this.used + 8 + packet.length > CHUNK_BYTES) this.flush();
    const us = Math.round(timeMs * 1000);
    // 64-bit big-endian microseconds as two 32-bit halves: exact below 2^53, no BigInt per packet.
    this.chunk.writeUInt32BE(Math.floor(us / 0x1_0000_0000), this.used);
    this.chunk.writeUInt32BE(us % 0x1_0000_0000, this.used + 4);
    packet.copy(this.chunk, this.used + 8);
    this.used += 8 + packet.length;
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
  }

  close(): Promise<void> {
    this.flush();
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
