/**
 * A program watching a drone's video over the service's video socket (GET /api/video/:id/live),
 * as the page's player does but in Node: it keeps every text message and fMP4 piece in order, how
 * the socket ended, or the HTTP status the upgrade was refused with.
 */
import WebSocket from 'ws';
import type { VideoMessage } from '../../server/wire/types.ts';

export type Got = { text: VideoMessage } | { bin: Buffer };

/** A fragment's decode time (tfdt, 90 kHz) and whether its one sample is a key (sync) picture. */
export function fragmentInfo(f: Buffer): { time: number; key: boolean } {
  const flags = f.readUInt32BE(f.indexOf('trun') + 4 + 12 + 8);
  return { time: Number(f.readBigUInt64BE(f.indexOf('tfdt') + 8)), key: (flags & 0x10000) === 0 };
}

export const isInitSegment = (b: Buffer) => b.toString('latin1', 4, 8) === 'ftyp';

/** The types of every top-level box of an MP4 piece, in order: ['ftyp', 'moov'] for an init segment, ['moof', 'mdat'] for a fragment. */
export function mp4Boxes(b: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 8 <= b.length;) {
    const size = b.readUInt32BE(at);
    out.push(b.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return out;
}

export interface VideoClientOptions {
  token?: string;
  /** the Origin header a browser page would send */
  origin?: string;
  /** more request headers (a balancer's X-Forwarded-For) */
  headers?: Record<string, string>;
}

/** Resolves once connected or refused; `refused` holds the status and body of a refusal. */
export async function videoClient(base: string, vehicleId: string, o: VideoClientOptions = {}) {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.origin) headers.origin = o.origin;
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/video/${encodeURIComponent(vehicleId)}/live`, { headers, perMessageDeflate: false });
  const got: Got[] = [];
  ws.on('message', (data: Buffer, binary) => got.push(binary ? { bin: data } : { text: JSON.parse(data.toString()) as VideoMessage }));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const refused = await new Promise<{ status: number; body: string } | null>((resolve, reject) => {
    ws.once('open', () => resolve(null));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (e) => reject(e));
  });
  return {
    ws,
    got,
    refused,
    closed,
    fragments: () => got.flatMap((g) => ('bin' in g && !isInitSegment(g.bin) ? [fragmentInfo(g.bin)] : [])),
    texts: () => got.flatMap((g) => ('text' in g ? [g.text] : [])),
    /** stop reading from the network (the kernel's buffers fill, then the service's) */
    pause: () => (ws as unknown as { _socket: import('node:net').Socket })._socket.pause(),
    resume: () => (ws as unknown as { _socket: import('node:net').Socket })._socket.resume(),
    close: () => ws.terminate(),
  };
}
