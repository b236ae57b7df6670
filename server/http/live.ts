import type http from 'node:http';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { Store } from '../store/index.ts';
import type { User } from '../store/users.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import type { Vehicle } from '../vehicles/vehicle.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../wire/types.ts';
import { resolveSession, tokenOf } from './auth.ts';
import { liveSession, watchSessions, type LiveSession, type SessionWatchOptions } from './live-sessions.ts';
import { type AddressOf, peerAddress } from './client-address.ts';
import { auditOrigin, checkOrigin } from './origin.ts';
import type { NodeStation, RemoteFleet } from './remote-fleet.ts';
import { vehicleView, vehicleViews } from './views.ts';
import type { CityBus } from '../cluster/bus.ts';
import { CITY_SCOPE, DEFAULT_STATION_ID, type VehicleView } from '../wire/types.ts';
import { inScope, scopeOf, scopeRoom } from './scope.ts';

interface SocketData {
  user: User;
  session: LiveSession;
}
export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface LiveOptions {
  /** web origins other than the service's own allowed to connect (allowedOrigins) */
  allowedOrigins?: readonly string[];
  sessions?: SessionWatchOptions;
  /** the client's address for the audit (client-address.ts; default the peer's) */
  addressOf?: AddressOf;
  /** a city: this node's drones go to the other nodes, and theirs are shown here beside its own */
  city?: {
    bus: CityBus;
    remote: RemoteFleet;
    adapter: ServerOptions['adapter'];
    links: string[];
    station(): NodeStation;
    /** where the other nodes reach this one over HTTP (a drone's video, video-across.ts); null until it listens */
    url(): string | null;
  };
}

/** Socket.io room of everyone who may watch the fleet (pilot, command, admin; not officers). */
export const FLEET_ROOM = 'fleet';
export const isWatcher = (u: User) => u.roles.some((r) => r === 'pilot' || r === 'command' || r === 'admin');

const EVENTS_PER_S = 20;
const EVENT_BURST = 40;

/** Each vehicle is sent about this often at most (4 Hz): a map needs no more, and telemetry may come faster. */
const VEHICLE_MS = 250;
/** How often batches go out; what a fresh position may wait at most. */
const TICK_MS = 25;
/**
 * A position is sent when it is this much newer than the last one sent: a tick short of
 * VEHICLE_MS, so a drone streaming at exactly 4 Hz (ArduPilot as asked) is sent every position
 * despite arrival jitter, instead of every other one.
 */
const POSITION_GAP_MS = VEHICLE_MS - TICK_MS;
/** Other changes (mode, battery) without a fresh position go out this long after the last send. */
const STALE_MS = 500;
/** A full snapshot this often heals whatever a slow client's dropped batches left stale. */
const SNAPSHOT_MS = 3000;

/** The other nodes' drones, but for any whose link this node has just taken over. */
export const remoteViews = (remote: RemoteFleet, fleet: Fleet): VehicleView[] => remote.views(Date.now()).filter((v) => fleet.get(v.id) === undefined);

/**
 * Live vehicle updates over socket.io, coalesced: each vehicle goes out about 4 times a second at
 * most, whatever its telemetry rate, and with a position that has just arrived (sent within one
 * tick), so the drone on the map is where it is now, not where it was a batch ago. Batches are volatile — a client that cannot keep up skips batches instead
 * of making the service queue for it.
 */
export function attachLive(
  server: http.Server,
  fleet: Fleet,
  store: Pick<Store, 'users' | 'audit'>,
  o: LiveOptions = {},
): { io: LiveServer; close(): Promise<void> } {
  const { users, audit } = store;
  const allowedOrigins = o.allowedOrigins ?? [];
  const addressOf = o.addressOf ?? peerAddress;
  const io: LiveServer = new Server(server, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    // in a city, broadcasts to rooms reach every node's pages (city-adapter.ts)
    ...(o.city && { adapter: o.city.adapter }),
    // Only the service's own pages (and configured ones) may open the stream: see origin.ts.
    allowRequest: (req, answer) => {
      const verdict = checkOrigin(req, allowedOrigins);
      if (verdict.ok) return answer(null, true);
      auditOrigin(audit, addressOf(req), verdict, 'socket.io');
      answer(verdict.reason, false);
    },
  });
  /** vehicles with unsent changes */
  const dirty = new Set<Vehicle>();
  /** when each vehicle was last sent, and the arrival time of the position it carried */
  const lastSent = new Map<Vehicle, { at: number; position: number }>();
  const onChanged = (v: Vehicle) => dirty.add(v);
  fleet.on('changed', onChanged);
  const city = o.city;
  /**
   * Drones to this node's pages by scope: the city's people get every drone, a station's only its
   * own (scope.ts). Volatile: a page that cannot keep up skips a batch, and the next snapshot heals it.
   */
  const sendScoped = (event: 'vehicles:update' | 'vehicles:snapshot', views: VehicleView[]) => {
    const rooms = io.sockets.adapter.rooms;
    if (rooms.get(scopeRoom(CITY_SCOPE))?.size) io.local.to(scopeRoom(CITY_SCOPE)).volatile.emit(event, views);
    const byStation = new Map<string, VehicleView[]>();
    for (const v of views) {
      const station = v.station ?? DEFAULT_STATION_ID;
      const list = byStation.get(station);
      if (list) list.push(v);
      else byStation.set(station, [v]);
    }
    for (const [station, list] of byStation) if (rooms.get(scopeRoom(station))?.size) io.local.to(scopeRoom(station)).volatile.emit(event, list);
    // a station's page with no drone of its own still gets its (empty) snapshot
    if (event === 'vehicles:snapshot') {
      for (const [room, members] of rooms) {
        if (!room.startsWith('scope:') || room === scopeRoom(CITY_SCOPE) || !members.size || byStation.has(room.slice(6))) continue;
        io.local.to(room).volatile.emit(event, []);
      }
    }
  };
  /** every drone this node shows: its own, and in a city the other nodes' */
  const allViews = (): VehicleView[] => (city ? [...vehicleViews(fleet), ...remoteViews(city.remote, fleet)] : vehicleViews(fleet));
  // The other nodes' drones reach this node's pages as they reach their own: each update as it comes
  // (they were coalesced where they were heard), and in this node's snapshots.
  city?.bus.handle('views', (from, body) => {
    const { full, views, station, links, url } = body as { full: boolean; views: VehicleView[]; station?: NodeStation; links?: string[]; url?: unknown };
    if (!Array.isArray(views)) return;
    if (full && typeof station?.id === 'string' && Array.isArray(links)) city.remote.node(from, station, links.filter((l) => typeof l === 'string'));
    if (full && typeof url === 'string' && /^https?:\/\//.test(url)) city.remote.reachAt(from, url);
    const shown = city.remote.apply(from, views, full, Date.now(), (id) => fleet.get(id) !== undefined);
    if (!full && shown.length) sendScoped('vehicles:update', shown);
  });

  // Same sessions as the REST API: the browser's cookie, or { auth: { token } } from other clients.
  io.use((socket, next) => {
    const token = tokenOf(socket.request, socket.handshake.auth?.token);
    resolveSession(users, token).then(
      (s) => {
        if ('error' in s) {
          audit.refused({ action: 'access.denied', target: 'socket.io', result: '401', detail: { reason: s.error }, ip: addressOf(socket.request) });
          // The page says why in its language: socket.io hands `data` to the client's connect_error.
          return next(Object.assign(new Error(s.error), { data: { said: s.said } }));
        }
        socket.data.user = s.user;
        // A session that ends while connected ends the connection too (watchSessions).
        socket.data.session = liveSession(token!, s.expiresAt);
        next();
      },
      // The database did not answer: refused for now, the page tries again (not a wrong session).
      () => next(new Error('the session cannot be checked now (the store does not answer); trying again')),
    );
  });
  const stopWatching = watchSessions(io, users, o.sessions);

  io.on('connection', (socket) => {
    // Token bucket per socket: a phone sends a location every few seconds; thousands a second
    // is a broken or hostile client, dropped before it starves everyone else.
    let tokens = EVENT_BURST;
    let refilled = Date.now();
    socket.use((_packet, next) => {
      const now = Date.now();
      tokens = Math.min(EVENT_BURST, tokens + ((now - refilled) / 1000) * EVENTS_PER_S);
      refilled = now;
      if (--tokens >= 0) return next();
      audit.record({
        user: socket.data.user.name,
        action: 'socket.flood',
        result: 'disconnected',
        detail: { limit: `${EVENTS_PER_S}/s` },
        ip: addressOf(socket.request),
      });
      socket.disconnect(true);
    });
    const user = socket.data.user;
    if (isWatcher(user)) {
      void socket.join([FLEET_ROOM, scopeRoom(scopeOf(user))]);
      socket.emit('vehicles:snapshot', allViews().filter((v) => inScope(user, v.station)));
    }
  });

  const batch = setInterval(() => {
    if (dirty.size === 0) return;
    const now = Date.now();
    const due: Vehicle[] = [];
    for (const v of dirty) {
      const sent = lastSent.get(v) ?? { at: 0, position: 0 };
      if (v.lastPositionAt >= sent.position + POSITION_GAP_MS || now >= sent.at + STALE_MS) due.push(v);
    }
    if (due.length === 0) return;
    for (const v of due) {
      dirty.delete(v);
      lastSent.set(v, { at: now, position: v.lastPositionAt });
    }
    const views = due.map((v) => vehicleView(fleet, v));
    // local: in a city each node sends its pages the others' drones itself (above), with its snapshots
    sendScoped('vehicles:update', views);
    void city?.bus.send(null, 'views', { full: false, views });
  }, TICK_MS);
  const sendSnapshot = () => {
    if (io.sockets.adapter.rooms.get(FLEET_ROOM)?.size) sendScoped('vehicles:snapshot', allViews());
    // also when no drone is here: the other nodes hear that this one is alive
    void city?.bus.send(null, 'views', { full: true, views: vehicleViews(fleet), station: city.station(), links: city.links, url: city.url() });
  };
  const snapshot = setInterval(sendSnapshot, SNAPSHOT_MS);
  // the other nodes hear of this one at once, not a snapshot period after it starts
  if (city) setImmediate(sendSnapshot);

  return {
    io,
    close: () =>
      new Promise((resolve) => {
        clearInterval(batch);
        clearInterval(snapshot);
        stopWatching();
        fleet.off('changed', onChanged);
        // the callback, not the returned promise: it also comes when the HTTP server was already closed
        void io.close(() => resolve());
      }),
  };
}
