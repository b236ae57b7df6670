/**
 * One RTSP session with a camera: OPTIONS, DESCRIBE (the SDP's H.264/H.265 track), SETUP, PLAY,
 * then RTP until the connection ends. Reconnecting is the source's business (rtsp-source.ts).
 *
 * RTP comes interleaved on the RTSP connection itself (RTP/AVP/TCP, RFC 2326 §10.12), never over
 * UDP: one outgoing TCP connection passes NAT and firewalls that would drop the camera's UDP
 * toward us (a 4G router in front of the station, a police network that allows only outgoing TCP),
 * TCP does not lose packets (a congested link slows the picture instead of breaking it), and the
 * end of the connection says at once that the camera is gone.
 *
 * Timers (request timeouts, keepalives) run on the injected clock.
 */
import net from 'node:net';
import type { Clock, TimerHandle } from '../clock.ts';
import { Authenticator, type Credentials } from './rtsp-auth.ts';
import { header, RtspReader, type RtspMessage, type RtspResponse } from './rtsp-wire.ts';
import { pickVideoTrack, type VideoTrack } from './sdp-track.ts';

export interface SessionOptions {
  clock: Clock;
  /** how long a connection or an answer may take */
  timeoutMs: number;
  credentials?: Credentials;
  /** the track chosen from the SDP, before SETUP: RTP may follow PLAY's answer in the same read */
  track: (track: VideoTrack) => void;
  /** RTP of the video track, as it arrives */
  rtp: (packet: Buffer) => void;
  /** the connection ended (after PLAY, or during the setup) and why */
  ended: (why: string) => void;
  debug?: (line: string) => void;
}

/** RFC 2326 §12.37: 60 s when the server names none. */
const DEFAULT_SESSION_TIMEOUT_S = 60;
const MIN_SESSION_TIMEOUT_S = 2;
const MAX_SESSION_TIMEOUT_S = 3600;
const USER_AGENT = 'SkyBeat';
/**
 * What we have written that the camera has not read: a few requests at most. More means it sends
 * (its own requests, which we answer) without reading: every answer would stay in memory.
 */
const MAX_UNSENT = 64 * 1024;

export class RtspError extends Error {}

/** A socket error in the words of someone looking at a tile. */
function plainly(err: NodeJS.ErrnoException, where: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `nothing answers at ${where} (connection refused)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return `${where} cannot be reached (${err.code})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `no such host: ${where}`;
    case 'ECONNRESET':
      return 'the camera cut the connection';
    default:
      return err.message;
  }
}

export class RtspSession {
  private socket: net.Socket | null = null;
  private cseq = 0;
  private readonly waiting = new Map<number, { resolve: (r: RtspResponse) => void; reject: (e: Error) => void; timer: TimerHandle }>();
  private readonly auth: Authenticator | null;
  private session: string | undefined;
  private keepaliveTimer: TimerHandle;
  private keepaliveMethod = 'OPTIONS';
  private rtpChannel = 0;
  private ended = false;
  track: VideoTrack | null = null;

  constructor(private readonly url: URL, private readonly opts: SessionOptions) {
    this.auth = opts.credentials ? new Authenticator(opts.credentials) : null;
  }

  /** The URL as sent to the camera: never with the password in it. */
  private get plainUrl(): string {
    const u = new URL(this.url.href);
    u.username = '';
    u.password = '';
    return u.href;
  }

  /** Connect and play; resolves with the track once PLAY is answered, rejects with what went wrong. */
  async start(): Promise<VideoTrack> {
    await this.connect();
    const options = await this.request('OPTIONS', this.plainUrl);
    if ((header(options, 'public') ?? '').toUpperCase().includes('GET_PARAMETER')) this.keepaliveMethod = 'GET_PARAMETER';
    const describe = await this.request('DESCRIBE', this.plainUrl, { Accept: 'application/sdp' });
    const base = header(describe, 'content-base') ?? header(describe, 'content-location') ?? this.plainUrl;
    const track = pickVideoTrack(describe.body.toString('utf8'), base);
    if (typeof track === 'string') throw new RtspError(track);
    this.track = track;
    this.opts.track(track);
    const setup = await this.request('SETUP', track.control, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    const [id, ...params] = (header(setup, 'session') ?? '').split(';').map((s) => s.trim());
    if (!id) throw new RtspError('the camera answered SETUP without a session');
    this.session = id;
    // Within 2 s … 1 h: a timer past 2^31 ms fires after 1 ms (Node's rule), so a camera naming
    // "timeout=99999999" had us send a keepalive every millisecond, for as long as it played.
    const named = Number(params.find((p) => p.startsWith('timeout='))?.slice(8)) || DEFAULT_SESSION_TIMEOUT_S;
    const timeoutS = Math.min(Math.max(named, MIN_SESSION_TIMEOUT_S), MAX_SESSION_TIMEOUT_S);
    const interleaved = /interleaved=(\d+)/.exec(header(setup, 'transport') ?? '');
    if (!interleaved && !/TCP/i.test(header(setup, 'transport') ?? ''))
      throw new RtspError(`the camera will not send RTP over TCP (Transport: ${header(setup, 'transport') ?? 'none'})`);
    this.rtpChannel = interleaved ? Number(interleaved[1]) : 0;
    await this.request('PLAY', track.aggregate, { Range: 'npt=0.000-' });
    this.keepalive(timeoutS);
    return track;
  }

  /** End the session: TEARDOWN (not waited for) and close. */
  close(): void {
    if (this.ended) return;
    if (this.socket && this.session) {
      this.socket.write(this.message('TEARDOWN', this.plainUrl, {}));
    }
    this.end('closed');
  }

  private connect(): Promise<void> {
    const socket = net.connect({ host: this.url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(this.url.port) || 554 });
    this.socket = socket;
    socket.setNoDelay(true);
    const reader = new RtspReader(
      (m) => this.receive(m),
      (why) => this.opts.debug?.(`rtsp: ${why}`),
      (why) => this.end(`the camera's answer cannot be read: ${why}`),
    );
    socket.on('data', (chunk) => reader.push(chunk));
    const where = `${this.url.hostname}:${Number(this.url.port) || 554}`;
    socket.on('error', (err) => this.end(plainly(err, where)));
    socket.on('close', () => this.end('the camera closed the connection'));
    return new Promise((resolve, reject) => {
      const timer = this.opts.clock.setTimeout(() => {
        reject(new RtspError(`no connection within ${this.opts.timeoutMs / 1000} s`));
        this.end('connection timed out');
      }, this.opts.timeoutMs);
      socket.once('connect', () => {
        this.opts.clock.clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        this.opts.clock.clearTimeout(timer);
        reject(new RtspError(plainly(err, where)));
      });
    });
  }

  private message(method: string, uri: string, extra: Record<string, string>): string {
    const headers: Record<string, string> = { CSeq: String(++this.cseq), 'User-Agent': USER_AGENT, ...extra };
    if (this.session) headers.Session = this.session;
    const auth = this.auth?.header(method, uri);
    if (auth) headers.Authorization = auth;
    return `${method} ${uri} RTSP/1.0\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  }

  /**
   * Send a request and wait for its answer; a 401 is answered once with credentials, and once more
   * when the server says its nonce went stale. Only once: a camera answering "stale" every time had
   * us ask again at once, forever (tens of thousands of requests a second, never backing off).
   */
  private async request(method: string, uri: string, extra: Record<string, string> = {}, tries = 0): Promise<RtspResponse> {
    if (this.ended || !this.socket) throw new RtspError(`${method}: not connected`);
    const text = this.message(method, uri, extra);
    const cseq = this.cseq;
    const response = await new Promise<RtspResponse>((resolve, reject) => {
      const timer = this.opts.clock.setTimeout(() => {
        this.waiting.delete(cseq);
        reject(new RtspError(`${method}: no answer within ${this.opts.timeoutMs / 1000} s`));
      }, this.opts.timeoutMs);
      this.waiting.set(cseq, { resolve, reject, timer });
      this.socket!.write(text);
    });
    if (response.status === 401) {
      const challenges = response.headers.get('www-authenticate') ?? [];
      if (!this.auth) throw new RtspError(`${method}: the camera asks for a user name and password (401); give them in the URI`);
      const stale = challenges.some((c) => /stale\s*=\s*"?true/i.test(c));
      if ((tries >= 1 && !stale) || tries >= 2 || !this.auth.challenged(challenges)) {
        throw new RtspError(`${method}: the camera refused the user name or password (401 ${response.reason})`);
      }
      return this.request(method, uri, extra, tries + 1);
    }
    if (response.status !== 200) throw new RtspError(`${method}: the camera answered ${response.status} ${response.reason}`);
    return response;
  }

  private receive(m: RtspMessage): void {
    if (m.kind === 'frame') {
      if (m.channel === this.rtpChannel) this.opts.rtp(m.data);
      return;
    }
    if (m.kind === 'request') {
      // A server's own request (some ask OPTIONS as their keepalive): answered, nothing more.
      if (!this.socket) return;
      if (this.socket.writableLength > MAX_UNSENT) {
        return this.end(`the camera sends requests without reading the answers (${this.socket.writableLength} bytes unread)`);
      }
      const cseq = (m.headers.get('cseq')?.[0] ?? '0').replace(/[^\d]/g, '').slice(0, 10);
      this.socket.write(`RTSP/1.0 ${m.method === 'OPTIONS' ? '200 OK' : '501 Not Implemented'}\r\nCSeq: ${cseq}\r\n\r\n`);
      return;
    }
    const cseq = Number(header(m, 'cseq'));
    const w = this.waiting.get(cseq);
    if (!w) return; // a keepalive's answer: nobody waits for it
    this.waiting.delete(cseq);
    this.opts.clock.clearTimeout(w.timer);
    w.resolve(m);
  }

  /** GET_PARAMETER (or OPTIONS, when the camera does not list GET_PARAMETER) at half the session timeout. */
  private keepalive(timeoutS: number): void {
    this.keepaliveTimer = this.opts.clock.setTimeout(() => {
      if (this.ended || !this.socket) return;
      this.socket.write(this.message(this.keepaliveMethod, this.plainUrl, {}));
      this.keepalive(timeoutS);
    }, Math.max(1, timeoutS / 2) * 1000);
  }

  private end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.opts.clock.clearTimeout(this.keepaliveTimer);
    for (const w of this.waiting.values()) {
      this.opts.clock.clearTimeout(w.timer);
      w.reject(new RtspError(why));
    }
    this.waiting.clear();
    this.socket?.destroy();
    this.opts.ended(why);
  }
}
