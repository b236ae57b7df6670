/**
 * A small RTSP server for the tests, playing what a live ffmpeg encodes (ffmpeg sends RTP to a
 * UDP port of ours; each packet goes to every playing client interleaved on its TCP connection,
 * RFC 2326 §10.12). It speaks what cameras speak: OPTIONS, DESCRIBE (the SDP with ffmpeg's rtpmap
 * and fmtp, sprop-parameter-sets included), SETUP (TCP interleaved only: 461 for UDP), PLAY,
 * GET_PARAMETER, TEARDOWN; Basic or Digest authentication when asked. It keeps every request it
 * got, so tests see what a client sent. ffmpeg itself, as an RTSP client, checks it (rtsp.test.ts).
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sendRtp, x264 } from './ffmpeg.ts';
import { waitFor } from './wait.ts';

export interface RtspServerOptions {
  port?: number;
  path?: string;
  auth?: { scheme: 'basic' | 'digest'; user: string; password: string; qop?: boolean };
  /** the Session timeout the server announces (s) */
  timeoutS?: number;
  /**
   * Keep the packets since the last key picture and send them in the same write as the PLAY
   * answer, as relays do (a viewer sees a picture at once): RTP right behind the answer.
   */
  gopCache?: boolean;
}

export interface Feed {
  /** the fmtp/rtpmap lines of ffmpeg's SDP */
  media: string[];
  onPacket(fn: (p: Buffer) => void): () => void;
  stop(): Promise<void>;
}

/** A live encode (H.264 by default, SPS/PPS only in the SDP: global headers) to RTP, ready to serve. */
export async function liveFeed(args = [...x264({ size: '320x240', gop: 10 }), '-flags', '+global_header']): Promise<Feed> {
  const socket = dgram.createSocket('udp4');
  const listeners = new Set<(p: Buffer) => void>();
  socket.on('message', (m) => listeners.forEach((l) => l(m)));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const sdpFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-rtsp-')), 'feed.sdp');
  const sender = sendRtp({ port: socket.address().port, args, sdpFile });
  const sdp = await waitFor(
    'ffmpeg’s SDP',
    () => fs.existsSync(sdpFile) && /a=rtpmap/.test(fs.readFileSync(sdpFile, 'utf8')) && fs.readFileSync(sdpFile, 'utf8'),
  );
  return {
    media: sdp.split(/\r?\n/).filter((l) => l.startsWith('a=rtpmap') || l.startsWith('a=fmtp')),
    onPacket(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async stop() {
      sender.kill();
      await sender.ended;
      socket.close();
    },
  };
}

const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');

export async function startRtspServer(feed: Feed, o: RtspServerOptions = {}) {
  const streamPath = o.path ?? '/live/main';
  const requests: { method: string; uri: string; headers: Record<string, string> }[] = [];
  const sentKeys: number[] = [];
  const nonce = crypto.randomBytes(8).toString('hex');
  const realm = 'SkyBeat test camera';
  const clients = new Set<net.Socket>();
  const session = crypto.randomBytes(4).toString('hex');
  const frame = (p: Buffer) => {
    const h = Buffer.alloc(4);
    h[0] = 0x24;
    h.writeUInt16BE(p.length, 2);
    return Buffer.concat([h, p]);
  };
  // the packets since the last IDR picture began (an IDR slice alone, or the start of one cut in FU-A)
  let gop: Buffer[] = [];
  const stopCaching = feed.onPacket((p) => {
    const at = 12 + 4 * (p[0]! & 0x0f);
    const type = p[at]! & 0x1f;
    const idrStart = type === 5 || (type === 28 && (p[at + 1]! & 0x1f) === 5 && (p[at + 1]! & 0x80) !== 0);
    if (idrStart && (gop.length === 0 || gop[0]!.readUInt32BE(4) !== p.readUInt32BE(4))) gop = [p];
    else if (gop.length) gop.push(p);
  });
  /** the RTP timestamp of the key picture sent with PLAY answers (gopCache) */
  const cachedKey = () => gop[0]?.readUInt32BE(4);

  function authorized(method: string, h: Record<string, string>): boolean {
    if (!o.auth) return true;
    const a = h.authorization ?? '';
    if (o.auth.scheme === 'basic') return a === `Basic ${Buffer.from(`${o.auth.user}:${o.auth.password}`).toString('base64')}`;
    const f = Object.fromEntries([...a.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
    if (!a.startsWith('Digest ') || f.username !== o.auth.user || f.nonce !== nonce || f.realm !== realm) return false;
    const ha1 = md5(`${o.auth.user}:${realm}:${o.auth.password}`);
    const ha2 = md5(`${method}:${f.uri}`);
    const expected = o.auth.qop ? md5(`${ha1}:${nonce}:${f.nc}:${f.cnonce}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
    return f.response === expected;
  }

  const server = net.createServer((socket) => {
    clients.add(socket);
    let pending = '';
    let stopFeed: (() => void) | null = null;
    socket.on('close', () => {
      clients.delete(socket);
      stopFeed?.();
    });
    socket.on('error', () => {});
    socket.on('data', (d) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const [start, ...lines] = pending.slice(0, end).split('\r\n');
        pending = pending.slice(end + 4);
        const [method, uri] = start!.split(' ');
        const h = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        requests.push({ method: method!, uri: uri!, headers: h });
        const reply = (status: string, headers: Record<string, string> = {}, body = '') => {
          const all = { CSeq: h.cseq ?? '0', ...headers, ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) };
          socket.write(`RTSP/1.0 ${status}\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
        };
        if (method !== 'OPTIONS' && !authorized(method!, h)) {
          reply('401 Unauthorized', {
            'WWW-Authenticate': o.auth!.scheme === 'basic'
              ? `Basic realm="${realm}"`
              : `Digest realm="${realm}", nonce="${nonce}"${o.auth!.qop ? ', qop="auth"' : ''}`,
          });
          continue;
        }
        const base = `rtsp://127.0.0.1:${(server.address() as net.AddressInfo).port}${streamPath}/`;
        switch (method) {
          case 'OPTIONS':
            reply('200 OK', { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER' });
            break;
          case 'DESCRIBE':
            if (!uri!.includes(streamPath)) {
              reply('404 Not Found');
              break;
            }
            reply(
              '200 OK',
              { 'Content-Base': base, 'Content-Type': 'application/sdp' },
              [
                'v=0',
                'o=- 0 0 IN IP4 127.0.0.1',
                's=SkyBeat test camera',
                'c=IN IP4 0.0.0.0',
                't=0 0',
                'a=control:*',
                'm=video 0 RTP/AVP 96',
                ...feed.media,
                'a=control:trackID=0',
                '',
              ].join('\r\n'),
            );
            break;
          case 'SETUP':
            if (!/TCP/.test(h.transport ?? '')) reply('461 Unsupported Transport');
            else reply('200 OK', { Session: `${session};timeout=${o.timeoutS ?? 60}`, Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
            break;
          case 'PLAY':
            if (o.gopCache && gop.length) {
              sentKeys.push(cachedKey()!);
              const answer = `RTSP/1.0 200 OK\r\nCSeq: ${h.cseq}\r\nSession: ${session}\r\nRange: npt=0.000-\r\n\r\n`;
              socket.write(Buffer.concat([Buffer.from(answer), ...gop.map(frame)]));
            } else reply('200 OK', { Session: session, Range: 'npt=0.000-' });
            stopFeed ??= feed.onPacket((p) => socket.write(frame(p)));
            break;
          case 'GET_PARAMETER':
            reply('200 OK', { Session: session });
            break;
          case 'TEARDOWN':
            reply('200 OK');
            socket.end();
            break;
          default:
            reply('501 Not Implemented');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `rtsp://127.0.0.1:${port}${streamPath}`,
    requests,
    clients,
    /** the RTP timestamps of the key pictures sent with PLAY answers */
    sentKeys,
    /** a key picture is cached (gopCache) */
    hasKey: () => gop.length > 0,
    /** Stop at once, as a camera losing power does: every connection cut. */
    async kill() {
      stopCaching();
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
