/**
 * RTSP 1.0 on one TCP connection (RFC 2326): text responses (a status line, headers, an optional
 * body of Content-Length bytes) mixed with interleaved binary frames ('$', channel, 16-bit length,
 * the RTP or RTCP packet: §10.12). The reader takes bytes as they come and hands out whole
 * messages; it never throws on what a server sends, it says what was wrong.
 */
export interface RtspResponse {
  kind: 'response';
  status: number;
  reason: string;
  /** header names in lower case; a header given twice (WWW-Authenticate) keeps every value */
  headers: Map<string, string[]>;
  body: Buffer;
}

/** A request the server sends us (some send OPTIONS or GET_PARAMETER as their own keepalive). */
export interface RtspServerRequest {
  kind: 'request';
  method: string;
  headers: Map<string, string[]>;
}

export interface RtspFrame {
  kind: 'frame';
  channel: number;
  data: Buffer;
}

export type RtspMessage = RtspResponse | RtspServerRequest | RtspFrame;

/** A response's or request's headers larger than this are not RTSP. */
const MAX_HEAD = 64 * 1024;
/**
 * A body larger than this is no camera's answer (a DESCRIBE's SDP is a few kB). Without a bound a
 * server saying "Content-Length: 2000000000" had us keep, and copy at every read, all it sent.
 */
export const MAX_BODY = 256 * 1024;

export class RtspReader {
  private pending: Buffer = Buffer.alloc(0);
  private broken = false;

  /**
   * garbage: bytes skipped, reading goes on; unreadable: where the next message starts cannot be
   * known any more (a body length that is no length), so nothing more is read and the connection
   * is the caller's to end.
   */
  constructor(
    private readonly emit: (m: RtspMessage) => void,
    private readonly garbage: (why: string) => void,
    private readonly unreadable: (why: string) => void = garbage,
  ) {}

  push(chunk: Buffer): void {
    if (this.broken) return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (this.pending.length === 0) return;
      if (this.pending[0] === 0x24) {
        if (this.pending.length < 4) return;
        const size = this.pending.readUInt16BE(2);
        if (this.pending.length < 4 + size) return;
        this.emit({ kind: 'frame', channel: this.pending[1]!, data: this.pending.subarray(4, 4 + size) });
        this.pending = this.pending.subarray(4 + size);
        continue;
      }
      const end = this.pending.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.pending.length > MAX_HEAD) this.resync(`no end of headers in ${this.pending.length} bytes`);
        return;
      }
      const head = this.pending.toString('latin1', 0, end).split('\r\n');
      const headers = new Map<string, string[]>();
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
      }
      const declared = headers.get('content-length')?.[0] ?? '0';
      // Number('x') is NaN, and subarray(NaN) is the whole buffer: the same message again, forever.
      const length = /^\d+$/.test(declared) ? Number(declared) : NaN;
      if (!(length <= MAX_BODY)) {
        this.broken = true;
        this.pending = Buffer.alloc(0);
        this.unreadable(
          Number.isNaN(length) ?
            `Content-Length "${declared.slice(0, 40)}" is not a length` :
            `a body of ${declared.slice(0, 40)} bytes (Content-Length), over the ${MAX_BODY / 1024} kB an RTSP answer may have`,
        );
        return;
      }
      if (this.pending.length < end + 4 + length) return;
      const body = this.pending.subarray(end + 4, end + 4 + length);
      this.pending = this.pending.subarray(end + 4 + length);
      const status = /^RTSP\/\d\.\d (\d{3}) ?(.*)$/.exec(head[0]!);
      const request = /^([A-Z_]+) (\S+) RTSP\/\d\.\d$/.exec(head[0]!);
      if (status) this.emit({ kind: 'response', status: Number(status[1]), reason: status[2]!, headers, body });
      else if (request) this.emit({ kind: 'request', method: request[1]!, headers });
      else this.garbage(`not an RTSP message: "${head[0]!.slice(0, 60)}"`);
    }
  }

  /** Skip to the next '$' or "RTSP/" after bytes we cannot read. */
  private resync(why: string): void {
    this.garbage(why);
    const next = [this.pending.indexOf(0x24, 1), this.pending.indexOf('RTSP/', 1)].filter((i) => i > 0);
    this.pending = next.length ? this.pending.subarray(Math.min(...next)) : Buffer.alloc(0);
  }
}

export const header = (r: { headers: Map<string, string[]> }, name: string): string | undefined => r.headers.get(name)?.[0];
