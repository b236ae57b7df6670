import crypto from 'node:crypto';
import type express from 'express';
import http from 'node:http';
import https from 'node:https';
import { type Clock, realClock, type TimerHandle } from '../clock.ts';
import { BusTimeout, type CityBus } from '../cluster/bus.ts';
import type { CommandClaims } from '../cluster/command-claims.ts';
import type { Logger } from '../log.ts';
import type { AuditLog } from '../store/audit.ts';
import type { UserStore } from '../store/users.ts';
import { said, term } from '../wire/messages.ts';
import { resolveSession, tokenOf } from './auth.ts';
import { saidBody } from './errors.ts';
import { NODE_SILENT_MS, type RemoteFleet } from './remote-fleet.ts';

/** How long a node waits for another to carry out a request for one of its drones. */
const REQUEST_TIMEOUT_MS = 20_000;
/** A launch uploads a route and arms: it may take as long as the arming is allowed to. */
const LAUNCH_TIMEOUT_MS = 150_000;
/** Marks a request carried out here for another node (set only over loopback: trustLoopback), so it is not forwarded again. */
const FORWARDED = 'x-skybeat-forwarded-by';
/** What of a request goes with it: who asks (session), from where (origin, host), in what (type, language). */
const CARRIED_HEADERS = ['cookie', 'authorization', 'content-type', 'origin', 'host', 'referer', 'user-agent', 'accept-language', 'accept'];

const DRONE_PATH = /^\/api\/vehicles\/([^/]+)(\/.*)?$/;
/** Requests that act on the drone named in their body: a route's upload to it, a pilot's answer to a drone request. */
const DRONE_IN_BODY = /^\/api\/(routes\/[^/]+\/upload|drone-requests\/[^/]+\/accept)$/;

/** The drone a request acts on, and what it asks of it ('' for the drone itself). */
function droneOf(req: express.Request): { vehicle: string; rest: string } | null {
  const m = DRONE_PATH.exec(req.path);
  if (m) return { vehicle: decodeURIComponent(m[1]!), rest: m[2] ?? '' };
  const body = req.body as { vehicleId?: unknown } | undefined;
  if (req.method === 'POST' && DRONE_IN_BODY.test(req.path) && typeof body?.vehicleId === 'string') return { vehicle: body.vehicleId, rest: req.path };
  return null;
}
/** An aircraft alert's acknowledgement: carried out where its drone is linked, whose monitor holds it (and clears an event alert). */
const ALERT_ACK = /^\/api\/aircraft-alerts\/(\d+)\/ack$/;

/** The dispatch desk's changes: raising an incident and every step of one, a drone request's cancelling. */
const DESK_PATH = /^\/api\/(alerts|alerts\/[^/]+\/(answer|reassign|next-wave|close|drone-request)|drone-requests\/[^/]+\/cancel)$/;

const forwardable = (url: string) => {
  const p = url.split('?')[0]!;
  return DRONE_PATH.test(p) || DRONE_IN_BODY.test(p) || DESK_PATH.test(p) || ALERT_ACK.test(p);
};

interface Forwarded {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  ip: string;
}
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface CityRequests {
  bus: CityBus;
  claims: CommandClaims;
  remote: RemoteFleet;
  /** whether this node serves the drone itself */
  local(vehicleId: string): boolean;
  /** the drone an aircraft alert is about, from the store (undefined: no such alert) */
  alertVehicle(id: number): Promise<string | undefined>;
  /** the node of the city's dispatch desk: null when it is this one, '' when no node is it now */
  desk(): Promise<string | null>;
  /** who asks: a request without a live session is not forwarded, this node's own checks refuse it */
  users: UserStore;
  audit: AuditLog;
  log: Logger;
  clock?: Clock;
}

/**
 * Requests for a drone linked at another node of the city — everything under /api/vehicles/:id, a
 * route's upload to it, a pilot's acceptance of a drone request for it, the acknowledgement of one of
 * its aircraft alerts — and the dispatch desk's (raising an incident, each of its steps) go to the
 * node that serves the drone or is the desk, and are carried out there, with its checks (session, role, control, confirm) and its
 * audit, as if it had been asked there. Exactly once: each request has an id, and the node that
 * carries it out first claims the id in PostgreSQL (cluster/command-claims.ts); a sender that gives up
 * waiting marks the id abandoned, so a request arriving late is never carried out after the pilot was
 * told it was not.
 */
export function forwardToOwner(c: CityRequests): express.RequestHandler {
  const clock = c.clock ?? realClock;
  return async (req, res, next) => {
    // Without a session it goes no further than here: refused by this node's own checks.
    if (req.get(FORWARDED) || (!req.get('cookie') && !req.get('authorization'))) return next();
    const toDesk = req.method === 'POST' && DESK_PATH.test(req.path);
    const ack = req.method === 'POST' ? ALERT_ACK.exec(req.path) : null;
    const ackVehicle = ack ? await c.alertVehicle(Number(ack[1])).catch(() => undefined) : undefined;
    const drone = toDesk ? null : ackVehicle !== undefined ? { vehicle: ackVehicle, rest: req.path } : droneOf(req);
    if (!toDesk && !drone) return next();
    const vehicle = drone?.vehicle ?? term('city_desk', 'the dispatch desk');
    const node = toDesk ? await c.desk().catch(() => '') : c.local(drone!.vehicle) ? null : c.remote.ownerOf(drone!.vehicle);
    if (node === null) return next();
    // A stranger learns nothing of the city (which node, whether it answers): 401 here, as for a local drone.
    const session = await resolveSession(c.users, tokenOf(req));
    if ('error' in session) return next();
    const user = session.user.name;
    if (node === '') return refuse(503, said('city_no_desk'));
    function refuse(status: number, message: ReturnType<typeof said>) {
      if (req.method !== 'GET') {
        c.audit.refused({
          user,
          action: 'city.forward',
          target: toDesk ? req.path : `vehicle:${drone!.vehicle}`,
          result: String(status),
          detail: { node, path: req.path, reason: message.code },
          ip: req.ip ?? null,
        });
      }
      res.status(status).json(saidBody(message));
    }
    // (a node not heard at all yet has just started: asked, with the timeout as the bound)
    const silentMs = clock.now() - (c.remote.lastHeard(node) ?? clock.now());
    if (silentMs > NODE_SILENT_MS) return refuse(503, said('city_node_silent', { vehicle, node, seconds: Math.round(silentMs / 1000) }));
    if (!c.bus.up) return refuse(503, said('city_bus_away', { vehicle, node }));
    const timeoutMs = req.method === 'POST' && /^\/(patrol|goto)$|upload$|accept$/.test(drone?.rest ?? '') ? LAUNCH_TIMEOUT_MS : REQUEST_TIMEOUT_MS;
    const f: Forwarded = {
      id: crypto.randomUUID(),
      method: req.method,
      url: req.originalUrl,
      headers: Object.fromEntries(CARRIED_HEADERS.flatMap((h) => (req.get(h) !== undefined ? [[h, req.get(h)!]] : []))),
      body: req.body !== undefined && req.method !== 'GET' ? JSON.stringify(req.body) : null,
      ip: req.ip ?? '',
    };
    const silent = untilSilent(c.remote, node, clock);
    Promise.race([c.bus.request(node, 'http', f, timeoutMs), silent.promise]).finally(silent.stop).then(
      (a) => send(res, a as Answer),
      async (err: Error) => {
        // The node answered, with what kept it from carrying the request out (its store away, say).
        if (!(err instanceof BusTimeout) && !(err instanceof NodeSilent)) return refuse(502, said('city_node_failed', { vehicle, node, reason: err.message }));
        const seconds = Math.round(timeoutMs / 1000);
        // Given up: unless the other node has taken the request already, it never will.
        const claim = await c.claims.abandon(f.id).catch(() => null);
        if (claim === 'abandoned') {
          if (err instanceof NodeSilent) return refuse(503, said('city_node_silent', { vehicle, node, seconds: Math.round(err.silentMs / 1000) }));
          return refuse(504, said('city_no_answer', { vehicle, node, seconds }));
        }
        if (claim?.state === 'done' && claim.result) return send(res, claim.result as Answer);
        refuse(504, said('city_answer_lost', { vehicle, node, seconds }));
      },
    ).catch((err: unknown) => next(err));
  };
}

class NodeSilent extends Error {
  constructor(readonly silentMs: number) {
    super('the node went silent');
  }
}

/**
 * Rejects once `node` has not been heard for NODE_SILENT_MS: a node killed while a request waits on
 * it is given up on then, not at the end of a launch's long timeout.
 */
function untilSilent(remote: RemoteFleet, node: string, clock: Clock): { promise: Promise<never>; stop(): void } {
  let timer: TimerHandle | undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    const check = () => {
      const silentMs = clock.now() - (remote.lastHeard(node) ?? clock.now());
      if (silentMs > NODE_SILENT_MS) return reject(new NodeSilent(silentMs));
      timer = clock.setTimeout(check, 1000);
    };
    check();
  });
  promise.catch(() => {}); // the race reports it
  return { promise, stop: () => clock.clearTimeout(timer) };
}

function send(res: express.Response, a: Answer): void {
  res.status(a.status);
  for (const [k, v] of Object.entries(a.headers)) if (k === 'content-type' || k === 'retry-after') res.set(k, v);
  res.send(a.body);
}

/**
 * How a forwarded request is carried out here: over loopback to this node's own port, through every
 * check a request from the browser meets. Who asked (their address, for the audit and the rate
 * limits) rides in a header that only this process can vouch for: a token made at start that never
 * leaves it (trustLoopback below); the same header from anyone else is thrown away.
 */
export interface Loopback {
  token: string;
  /** where this node listens: its bind address, or 127.0.0.1 when it listens on all */
  host: string;
  port: number;
  tls: boolean;
}

export const newLoopback = (bind: string, port: number, tls: boolean): Loopback => ({
  token: crypto.randomBytes(32).toString('base64url'),
  host: bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind,
  port,
  tls,
});

const INTERNAL = 'x-skybeat-internal';
const CLIENT_IP = 'x-skybeat-client-ip';

/** First in the app: a loopback request from this process is taken as from its real client; the headers from anyone else are dropped. */
export function trustLoopback(loopback: () => Loopback | null): express.RequestHandler {
  return (req, _res, next) => {
    const given = req.get(INTERNAL);
    const lb = loopback();
    const ip = req.get(CLIENT_IP);
    delete req.headers[INTERNAL];
    delete req.headers[CLIENT_IP];
    if (given !== undefined && lb && ip && sameText(given, lb.token)) Object.defineProperty(req, 'ip', { value: ip, configurable: true });
    else delete req.headers[FORWARDED];
    next();
  };
}

const sameText = (a: string, b: string) => a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

function overLoopback(lb: Loopback, from: string, f: Forwarded): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = (lb.tls ? https : http).request({
      host: lb.host,
      port: lb.port,
      method: f.method,
      path: f.url,
      headers: { ...f.headers, [FORWARDED]: from, [INTERNAL]: lb.token, [CLIENT_IP]: f.ip },
      // our own certificate, whatever name it was made for: this is a connection to ourselves
      rejectUnauthorized: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 502,
          headers: Object.fromEntries(Object.entries(res.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : []))),
          body: Buffer.concat(chunks).toString('utf8'),
        }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(f.body ?? undefined);
  });
}

/** Carries out the requests other nodes forward here, each once, through this node's own HTTP server. */
export function serveForwarded(c: Pick<CityRequests, 'bus' | 'claims' | 'log'>, loopback: Loopback): void {
  c.bus.serve('http', async (from, raw) => {
    const f = raw as Forwarded;
    if (typeof f?.id !== 'string' || typeof f.url !== 'string' || !forwardable(f.url)) throw new Error('not a request for a drone');
    const claim = await c.claims.claim(f.id);
    if (claim !== 'claimed') {
      if (claim.state === 'done') return claim.result;
      throw new Error(`request ${f.id} is ${claim.state} (node ${claim.node})`);
    }
    const answer = await overLoopback(loopback, from, f);
    await c.claims.finish(f.id, answer).catch((err: Error) => c.log.warn(`request ${f.id} from node ${from}: its answer not kept: ${err.message}`));
    return answer;
  });
}
