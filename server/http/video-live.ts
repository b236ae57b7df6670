/**
 * The live video socket: GET /api/video/:vehicleId/live, upgraded to a WebSocket on the service's
 * own HTTP server. A plain WebSocket rather than a socket.io namespace: one TCP connection per
 * player, so a picture never queues behind telemetry and telemetry never behind pictures; binary
 * messages as they are (socket.io sends a binary as a placeholder packet plus an attachment); and
 * the socket's own write buffer (bufferedAmount) is what the relay reads to spot a slow viewer.
 *
 * The same checks as the live socket (live.ts): the page's origin, the session (the browser's
 * cookie, or a bearer token from other clients), and who may watch — pilots, the command room
 * and admins any drone; an officer only the drone sent over the incident they hold, and only
 * while it is. The connection ends with the session (watchConnections) and, for an officer, when
 * the drone no longer serves their incident. In a city, a drone linked at another node is watched
 * through that node (video-across.ts), whose checks decide as for its own pages.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Store } from '../store/index.ts';
import type { User } from '../store/users.ts';
import type { VideoRelay } from '../video/relay.ts';
import { english, said } from '../wire/messages.ts';
import { VIDEO_CLOSE, type VideoMessage } from '../wire/types.ts';
import { resolveSession, tokenOf } from './auth.ts';
import { isWatcher } from './live.ts';
import { liveSession, SESSION_POLL_MS, watchConnections, type LiveSession, type SessionWatchOptions } from './live-sessions.ts';
import { type AddressOf, peerAddress } from './client-address.ts';
import { auditOrigin, checkOrigin } from './origin.ts';
import { droneInScope, scopeOf, type StationOf } from './scope.ts';
import { answerUpgrade, cameraElsewhere, watchAcross, type VideoAcrossOptions } from './video-across.ts';

const ROUTE = /^\/api\/video\/([^/?#]+)\/live(?:[?#]|$)/;
/** A viewer that answers no ping for this long is gone (its network died without closing): end it. */
const PING_MS = 15_000;
/**
 * Video sockets one session may hold at once. A video wall of every drone is a handful of tiles;
 * each socket costs the relay a viewer and the recorder-sized buffers behind it, so a logged-in
 * script opening thousands would cost every viewer their pictures.
 */
export const VIDEO_SOCKETS_PER_SESSION = 16;

export interface VideoLiveOptions {
  allowedOrigins?: readonly string[];
  sessions?: SessionWatchOptions;
  /** the client's address for the audit (client-address.ts; default the peer's) */
  addressOf?: AddressOf;
  /** may this officer watch this drone now: is it sent over the incident they hold? */
  officerMayWatch: (officer: string, vehicleId: string) => boolean;
  /** sockets one session may hold at once (default VIDEO_SOCKETS_PER_SESSION) */
  maxPerSession?: number;
  /** which station each drone belongs to: a station's people watch only its drones (scope.ts); not given, every drone is the user's */
  stationOf?: StationOf;
  /** in a city: a drone linked at another node is watched through that node (video-across.ts) */
  across?: VideoAcrossOptions;
}

/**
 * Who may watch a drone's camera now: the fleet's watchers a drone of their scope (stationOf given),
 * an officer the drone over their incident, whichever station it is (the centre dispatches across them).
 */
export function mayWatch(user: User, vehicleId: string, officerMayWatch: VideoLiveOptions['officerMayWatch'], stationOf?: StationOf): boolean {
  if (isWatcher(user) && (stationOf === undefined || droneInScope(user, stationOf, vehicleId))) return true;
  return user.roles.includes('officer') && officerMayWatch(user.name, vehicleId);
}

interface VideoConnection {
  ws: WebSocket;
  user: User;
  session: LiveSession;
  vehicleId: string;
  alive: boolean;
  /** watched through the drone's node, which relays it and checks the officer's incident */
  across: boolean;
}

/** Answers an upgrade it will not make with a plain HTTP status and a JSON reason, then closes. */
function refuse(socket: Duplex, status: number, error: string): void {
  answerUpgrade(socket, status, JSON.stringify({ error }));
}

export function attachVideoLive(
  server: Server,
  relay: VideoRelay,
  store: Pick<Store, 'users' | 'audit'>,
  o: VideoLiveOptions,
): { close(): Promise<void>; connections(): number } {
  const { users, audit } = store;
  const allowedOrigins = o.allowedOrigins ?? [];
  // Pages send nothing but pongs: a small limit keeps a hostile client from parking megabytes here.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const open = new Set<VideoConnection>();
  /** sockets held per session (its token's hash), counted from the upgrade so none slips in between */
  const held = new Map<string, number>();
  const maxPerSession = o.maxPerSession ?? VIDEO_SOCKETS_PER_SESSION;
  /** pages waiting while the drone's node is asked (video-across.ts): cut if the service stops meanwhile */
  const connecting = new Set<() => void>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const match = ROUTE.exec(req.url ?? '');
    if (!match) return; // socket.io's, or nobody's
    // A malformed escape ("%E0%A4%A") makes decodeURIComponent throw, and a throw in an 'upgrade'
    // listener is uncaught: it would end the whole service before any check. Refused instead.
    let vehicleId: string;
    try {
      vehicleId = decodeURIComponent(match[1]!);
    } catch {
      return refuse(socket, 400, `the drone in ${(req.url ?? '').slice(0, 200)} is not a well-formed URL path segment`);
    }
    const target = `video ${vehicleId}`;
    const ip = (o.addressOf ?? peerAddress)(req);
    const origin = checkOrigin(req, allowedOrigins);
    if (!origin.ok) {
      auditOrigin(audit, ip, origin, target);
      return refuse(socket, 403, origin.reason);
    }
    const token = tokenOf(req);
    const admit = (s: Awaited<ReturnType<typeof resolveSession>>) => {
      if (socket.destroyed) return; // the client went while its session was looked up
      if ('error' in s) {
        audit.refused({ action: 'access.denied', target, result: '401', detail: { reason: s.error }, ip });
        return refuse(socket, 401, s.error);
      }
      // Another node's drone: an officer's incident is known where the drone flies, and checked there.
      const elsewhere = o.across && !relay.has(vehicleId) ? cameraElsewhere(o.across, vehicleId, req) : null;
      if (!mayWatch(s.user, vehicleId, o.officerMayWatch, o.stationOf) && !(elsewhere && s.user.roles.includes('officer'))) {
        audit.refused({ user: s.user.name, action: 'access.denied', target, result: '403', ip });
        const station = o.stationOf?.(vehicleId) ?? null;
        const why = isWatcher(s.user) ?
          english(said('scope_other_station', { vehicle: vehicleId, station: station ?? '?', user: s.user.name, scope: scopeOf(s.user) })) :
          s.user.roles.includes('officer') ?
          `forbidden: an officer sees only the drone sent over the incident they hold, and ${vehicleId} is not` :
          `forbidden: watching a drone's video needs the role pilot, command or admin; ${s.user.name} has ${s.user.roles.join(', ') || 'no role'}`;
        return refuse(socket, 403, why);
      }
      if (elsewhere && 'status' in elsewhere) return refuse(socket, elsewhere.status, elsewhere.error);
      if (!elsewhere && !relay.has(vehicleId)) return refuse(socket, 404, `drone ${vehicleId} has no camera configured`);
      const session = liveSession(token!, s.expiresAt);
      const count = held.get(session.tokenHash) ?? 0;
      if (count >= maxPerSession) {
        return refuse(socket, 429, `too many video sockets: this session already holds ${count} (at most ${maxPerSession}); close some to open another`);
      }
      held.set(session.tokenHash, count + 1);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const n = (held.get(session.tokenHash) ?? 1) - 1;
        if (n > 0) held.set(session.tokenHash, n);
        else held.delete(session.tokenHash);
      };
      // an upgrade that never completes (the client went) gives its place back too
      socket.once('close', release);
      if (!elsewhere) return wss.handleUpgrade(req, socket, head, (ws) => connected(ws, s.user, session, vehicleId, ip, false));
      const stop = watchAcross(o.across!, {
        vehicleId,
        there: elsewhere,
        req,
        socket,
        accept: (done) => wss.handleUpgrade(req, socket, head, done),
        opened: (ws) => {
          connecting.delete(stop);
          connected(ws, s.user, session, vehicleId, ip, true);
        },
      });
      connecting.add(stop);
      socket.once('close', () => connecting.delete(stop));
    };
    resolveSession(users, token).then(
      admit,
      // The database did not answer: not a wrong session; the player tries again.
      () => refuse(socket, 503, 'the session cannot be checked now (the store does not answer); try again shortly'),
    );
  };
  server.on('upgrade', onUpgrade);

  function connected(ws: WebSocket, user: User, session: LiveSession, vehicleId: string, ip: string | null, across: boolean): void {
    const c: VideoConnection = { ws, user, session, vehicleId, alive: true, across };
    open.add(c);
    // Who watched which drone, and from where, as every other audited request; one watched through
    // its node is audited and relayed there.
    if (!across) audit.record({ user: user.name, action: 'video.watch', target: vehicleId, result: 'ok', ip });
    const viewer = across ? null : relay.join(vehicleId, {
      buffered: () => ws.bufferedAmount,
      sendBinary: (data) => ws.send(data, { binary: true }),
      sendText: (m: VideoMessage) => ws.send(JSON.stringify(m)),
    });
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      open.delete(c);
      viewer?.leave();
    });
  }

  // What a session could see ends with it.
  const stopWatching = watchConnections(
    () => [...open].map((c) => ({ user: c.user, session: c.session, end: (why: string) => c.ws.close(VIDEO_CLOSE.sessionEnded, why) })),
    users,
    o.sessions,
  );
  // An officer's view ends when the drone no longer serves the incident they hold.
  const access = setInterval(() => {
    for (const c of open) {
      if (!c.across && !mayWatch(c.user, c.vehicleId, o.officerMayWatch, o.stationOf))
        c.ws.close(VIDEO_CLOSE.forbidden, `drone ${c.vehicleId} no longer serves your incident`);
    }
  }, o.sessions?.pollMs ?? SESSION_POLL_MS);
  const pings = setInterval(() => {
    for (const c of open) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, PING_MS);

  return {
    connections: () => open.size,
    /** Tells every player the service is stopping, and cuts those that have not closed within half a second. */
    async close() {
      clearInterval(pings);
      clearInterval(access);
      stopWatching();
      server.off('upgrade', onUpgrade);
      for (const stop of connecting) stop();
      const closing = [...open].map((c) => new Promise((resolve) => c.ws.once('close', resolve)));
      for (const c of open) c.ws.close(1001, 'the service is stopping');
      await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, 500))]);
      for (const c of open) c.ws.terminate();
      wss.close();
    },
  };
}
