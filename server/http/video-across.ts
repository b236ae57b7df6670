/**
 * A drone's camera at another node of the city (实时回传情指中心): the city centre's page watches a
 * drone linked at a station's node. Only the node serving the drone's link receives its camera and
 * relays it (video/relay.ts), so the page's node opens a WebSocket of its own to that node's same
 * path, carrying the page's session and its Origin and Host as they came, and passes every message
 * on unchanged, both ways, closing both together. Every check (origin, session, role, station scope,
 * the officer's incident) is made at the drone's node as for its own pages, and audited there once;
 * that node's refusal (401, 403, 404 with its body) is the page's answer. The list of cameras
 * (GET /api/video) asks those nodes the same way.
 *
 * Why HTTP between nodes and not the bus: the pictures are a steady stream of up to megabytes a
 * second per drone that must not queue behind the city's telemetry and commands in Redis, and a
 * WebSocket carries the relay's own backpressure (below) to the node that can act on it.
 */
import { VIDEO_CLOSE } from '../wire/types.ts';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type express from 'express';
import WebSocket from 'ws';
import type { VideoFeedView } from '../wire/types.ts';
import { NODE_SILENT_MS, type RemoteFleet } from './remote-fleet.ts';

/**
 * Marks a request one node makes of another for a drone's video: the node asked answers from its
 * own cameras only and never asks on, so two nodes that each think the other serves a drone (a
 * link moving between them) cannot pass a request back and forth. Anyone may send it: it only
 * narrows what is answered.
 */
export const VIDEO_VIA = 'x-skybeat-video-via';

/** What of the page's handshake goes to the drone's node: who asks (the session), from what page to what host, in what language. */
const CARRIED = ['cookie', 'authorization', 'origin', 'host', 'user-agent', 'accept-language'];
/** The list needs only who asks: a GET is not refused for its page (origin.ts). */
const CARRIED_FOR_LIST = ['cookie', 'authorization', 'accept-language'];
/** A node that has not taken the socket by then is taken not to answer: the page is told so, and tries again. */
const CONNECT_TIMEOUT_MS = 5000;
/** The list is what a page asks every few seconds: a node slower than this is left out of one answer. */
const LIST_TIMEOUT_MS = 2000;
/** A refusal's body is a line of JSON: anything longer is cut, not held. */
const REFUSAL_MAX = 16 * 1024;
/**
 * When the page's socket holds this much unsent, this node stops reading from the drone's node; TCP
 * then fills up to that node, whose relay sees a slow viewer and skips it to the next key picture
 * (video/relay.ts), as it does for its own pages. So this node holds about this much for a slow page.
 */
export const PAUSE_AT = 512 * 1024;
/** …and reads again once the page has taken most of it. */
const RESUME_AT = 64 * 1024;

export interface VideoAcrossOptions {
  /** this node's name: the node asked sees who asks (VIDEO_VIA) */
  node: string;
  remote: RemoteFleet;
  /** whether this node serves the drone's link itself */
  local(vehicleId: string): boolean;
  /** how often the drone's node is pinged while a page watches through it (default 15 s) */
  pingMs?: number;
}

/** Where a drone's camera is, for a page asking this node. */
export type Elsewhere = { node: string; url: string } | { status: number; error: string };

/**
 * The node whose camera a page's request is for, when another node serves the drone; null when it is
 * this node's to answer (its own drone, one nobody serves, or a request another node passed here).
 */
export function cameraElsewhere(o: VideoAcrossOptions, vehicleId: string, req: IncomingMessage, now = Date.now()): Elsewhere | null {
  if (req.headers[VIDEO_VIA] !== undefined || o.local(vehicleId)) return null;
  const node = o.remote.ownerOf(vehicleId);
  if (node === null) return null;
  const silentMs = now - (o.remote.lastHeard(node) ?? now);
  if (silentMs > NODE_SILENT_MS) {
    return {
      status: 503,
      error: `drone ${vehicleId} is served by node ${node}, which has not been heard for ${
        Math.round(silentMs / 1000)
      } s; another node takes it over within seconds, try again shortly`,
    };
  }
  const url = o.remote.urlOf(node);
  if (url === null)
    return { status: 503, error: `drone ${vehicleId} is served by node ${node}, which has not yet said where it is reached; try again in a few seconds` };
  return { node, url };
}

/** Answers an upgrade it will not make with a plain HTTP status and this body, then closes. */
export function answerUpgrade(socket: Duplex, status: number, body: string, type = 'application/json; charset=utf-8'): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: ${type}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const carried = (headers: IncomingMessage['headers'], names: string[]) =>
  Object.fromEntries(names.flatMap((h) => (typeof headers[h] === 'string' ? [[h, headers[h]]] : [])));

/** A close code one may send again: 1005 and 1006 say "none was sent", 1015 a failed TLS handshake. */
const sendable = (code: number) => (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999);

export interface WatchAcross {
  vehicleId: string;
  there: { node: string; url: string };
  /** the page's upgrade request, its socket */
  req: IncomingMessage;
  socket: Duplex;
  /** upgrades the page's request, once the drone's node has taken this node's */
  accept(done: (page: WebSocket) => void): void;
  /** both sockets are open: the page's node keeps the page's (sessions, pings, its stop) */
  opened(page: WebSocket, upstream: WebSocket): void;
}

/**
 * Opens the drone's node's video socket for this page, then the page's; until then the page's
 * request waits, so a refusal there is answered as the page's own HTTP refusal. Returns a stop that
 * cuts it all (the service stopping while it connects).
 */
export function watchAcross(o: VideoAcrossOptions, w: WatchAcross): () => void {
  const { there, req, socket } = w;
  const up = new WebSocket(`${there.url.replace(/^http/, 'ws')}${req.url ?? ''}`, {
    headers: { ...carried(req.headers, CARRIED), [VIDEO_VIA]: o.node },
    perMessageDeflate: false,
    handshakeTimeout: CONNECT_TIMEOUT_MS,
  });
  let answered = false;
  const answer = (status: number, body: string, type?: string) => {
    if (answered) return;
    answered = true;
    socket.off('close', pageWent);
    answerUpgrade(socket, status, body, type);
  };
  // the page went while its node connected: nothing to pass on
  const pageWent = () => {
    answered = true;
    up.terminate();
  };
  socket.once('close', pageWent);
  // The drone's node said no: its answer, as it gave it, is the page's.
  up.once('unexpected-response', (_r, res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      if (body.length < REFUSAL_MAX) body += d.slice(0, REFUSAL_MAX - body.length);
    });
    res.once('end', () => {
      answer(res.statusCode ?? 502, body, res.headers['content-type']);
      up.terminate();
    });
    res.once('error', () => up.terminate());
  });
  up.on(
    'error',
    (err) =>
      answer(
        502,
        JSON.stringify({
          error: `drone ${w.vehicleId} is served by node ${there.node}, which does not answer at ${there.url} (${err.message}); try again shortly`,
        }),
      ),
  );
  up.once('open', () => {
    if (answered) return up.terminate();
    answered = true;
    socket.off('close', pageWent);
    w.accept((page) => {
      pipe(page, up, there.node, o.pingMs ?? 15_000);
      w.opened(page, up);
    });
  });
  return () => {
    answered = true;
    up.terminate();
    socket.destroy();
  };
}

/** Passes every message on as it came, both ways; the slower side holds back the faster; one closes the other. */
function pipe(page: WebSocket, up: WebSocket, node: string, pingMs: number): void {
  let paused = false;
  const drained = () => {
    if (paused && page.bufferedAmount < RESUME_AT) {
      paused = false;
      up.resume();
    }
  };
  up.on('message', (data: Buffer, isBinary) => {
    if (page.readyState !== WebSocket.OPEN) return;
    page.send(data, { binary: isBinary }, drained);
    if (!paused && page.bufferedAmount > PAUSE_AT) {
      paused = true;
      up.pause();
    }
  });
  page.on('message', (data: Buffer, isBinary) => {
    if (up.readyState === WebSocket.OPEN) up.send(data, { binary: isBinary });
  });
  // A node gone without a word (its network cut) answers no ping: cut then, as its death would.
  let answering = true;
  up.on('pong', () => (answering = true));
  const pings = setInterval(() => {
    if (!answering) return up.terminate();
    answering = false;
    up.ping();
  }, pingMs);
  up.once('close', (code, reason) => {
    clearInterval(pings);
    if (page.readyState !== WebSocket.OPEN && page.readyState !== WebSocket.CONNECTING) return;
    if (code === 1006) page.close(VIDEO_CLOSE.nodeGone, `node ${node}, which serves this drone, went away`);
    else if (sendable(code)) page.close(code, reason);
    else page.close();
  });
  page.once('close', (code, reason) => {
    if (up.readyState === WebSocket.OPEN) return sendable(code) ? up.close(code, reason) : up.close();
    up.terminate();
  });
  page.on('error', () => page.terminate());
}

/**
 * The cameras the other nodes serve that this user may watch, each node asked with the user's own
 * session (and the same query: an officer's ?alertId=) and answering for its own drones, by its own
 * rules. A node that does not answer in time is left out of this answer and named in `unanswered`.
 */
export async function camerasAcross(o: VideoAcrossOptions, req: express.Request): Promise<{ feeds: VideoFeedView[]; unanswered: string[] }> {
  if (req.headers[VIDEO_VIA] !== undefined) return { feeds: [], unanswered: [] };
  const now = Date.now();
  const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
  const nodes = o.remote.nodes(now).filter((n) => n.drones > 0 && n.silentMs <= NODE_SILENT_MS).map((n) => n.node);
  const unanswered: string[] = [];
  const lists = await Promise.all(nodes.map(async (node) => {
    const url = o.remote.urlOf(node);
    try {
      if (url === null) throw new Error('not reachable yet');
      const res = await fetch(`${url}/api/video${query}`, {
        headers: { ...carried(req.headers, CARRIED_FOR_LIST), [VIDEO_VIA]: o.node },
        signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
        redirect: 'error',
      });
      if (!res.ok) throw new Error(`${res.status}`);
      const list = (await res.json()) as unknown;
      if (!Array.isArray(list)) throw new Error('not a list');
      // its own drones only: one whose link has just moved is the new node's to list
      return (list as VideoFeedView[]).filter((f) => typeof f?.vehicleId === 'string' && o.remote.ownerOf(f.vehicleId) === node);
    } catch {
      unanswered.push(node);
      return [];
    }
  }));
  return { feeds: lists.flat(), unanswered };
}
