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

export class RtspReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly emit: (m: RtspMessage) => void, private readonly garbage: (why: string) => void) {}

  push(chunk: Buffer): void {
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
      const length = Number(headers.get('content-length')?.[0] ?? 0);
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
