import type { Request, RequestHandler, Response } from 'express';
import type { User } from '../store/users.ts';
import { said } from '../wire/messages.ts';
import { CITY_SCOPE } from '../wire/types.ts';
import { type AuthContext, ipOf, resolveSession, tokenOf } from './auth.ts';
import { saidBody } from './errors.ts';

/**
 * Stations and scopes (情指行一体化): a user works for one station or for the whole city. What
 * concerns a drone — seeing it, taking it, commanding it, its runs and alerts — is for its station's
 * people and the city's, enforced here on the server, for REST and sockets alike.
 */
export const scopeOf = (u: User): string => u.scope ?? CITY_SCOPE;

/** May `u` see and act on what belongs to `station`? A thing of no known station is the city's alone. */
export const inScope = (u: User, station: string | null | undefined): boolean => {
  const s = scopeOf(u);
  return s === CITY_SCOPE || (station !== undefined && station !== null && s === station);
};

/** The socket.io room of everyone whose scope is `scope` (a station's id, or the city). */
export const scopeRoom = (scope: string) => `scope:${scope}`;

/** Which station a drone belongs to (this node's, or as another node of the city sent it); null: unknown here. */
export type StationOf = (vehicleId: string) => string | null;

/** The rooms that hear about a thing of `station`: its own people and the city's (only the city's when unknown). */
export const roomsOf = (station: string | null) => (station === null ? [scopeRoom(CITY_SCOPE)] : [scopeRoom(CITY_SCOPE), scopeRoom(station)]);

/**
 * The station whose area holds a place (an incident's, a drone request's): null when none does, and
 * then it is the city's alone. Incidents are scoped by where they are, not by who raised them.
 */
export type IncidentStation = (p: { lat: number; lon: number }) => string | null;

/** May `u` see what concerns drone `vehicleId`? One of unknown station only with the city's scope. */
export const droneInScope = (u: User, stationOf: StationOf, vehicleId: string): boolean => inScope(u, stationOf(vehicleId));

const DRONE_PATH = /^\/api\/vehicles\/([^/]+)(\/.*)?$/;
const DRONE_IN_BODY = /^\/api\/(routes\/[^/]+\/upload|drone-requests\/[^/]+\/accept)$/;

/**
 * A request about a drone of another station than the user's is refused (403, audited), whichever
 * node it reaches, before it is carried out or sent on to the drone's node. A request without a
 * valid session goes on, to be refused by the route's own check; an unknown drone, to its 404.
 */
export function droneScopeGuard(ctx: AuthContext, stationOf: StationOf): RequestHandler {
  return async (req, res, next) => {
    const m = DRONE_PATH.exec(req.path);
    const body = req.body as { vehicleId?: unknown } | undefined;
    const vehicle = m
      ? decodeURIComponent(m[1]!)
      : req.method === 'POST' && DRONE_IN_BODY.test(req.path) && typeof body?.vehicleId === 'string'
      ? body.vehicleId
      : null;
    if (vehicle === null) return next();
    const station = stationOf(vehicle);
    if (station === null) return next();
    const s = await resolveSession(ctx.users, tokenOf(req));
    if ('error' in s || inScope(s.user, station)) return next();
    refuseOtherStation(ctx, req, res, s.user, vehicle, station);
  };
}

/**
 * The answer to `u` asking for what concerns drone `vehicle` of another station (403
 * scope_other_station, audited as access.denied on `target`). A station no node knows now is said "?".
 * `vehicle` is whatever the refusal names: a drone, or an incident's number (target alert:<id>), an
 * officer (officer:<name>), a place (place:<lat>,<lon>).
 */
export function refuseOtherStation(
  ctx: AuthContext,
  req: Request,
  res: Response,
  u: User,
  vehicle: string,
  station: string | null,
  target = `vehicle:${vehicle}`,
): void {
  ctx.audit.refused({ user: u.name, action: 'access.denied', target, result: '403', detail: { station, scope: scopeOf(u) }, ip: ipOf(req) });
  res.status(403).json(saidBody(said('scope_other_station', { vehicle, station: station ?? '?', user: u.name, scope: scopeOf(u) })));
}

/**
 * For a route past its role check, about something of drone `vehicle` (a run, a goto, a recording,
 * an alert): refuses it (refuseOtherStation) and answers true when req.user may not see that drone
 * (droneInScope: one of a station unknown here is the city's only). False: the route goes on.
 */
export function outOfScope(ctx: AuthContext, stationOf: StationOf, req: Request, res: Response, vehicle: string, target?: string): boolean {
  const u = req.user!;
  if (droneInScope(u, stationOf, vehicle)) return false;
  refuseOtherStation(ctx, req, res, u, vehicle, stationOf(vehicle), target);
  return true;
}

/**
 * For a route past its role check, about incident `incident` (seeing it, dispatching it, closing it,
 * asking a drone over it): refused as a drone's is (403 scope_other_station, the incident named by
 * its number, audited on alert:<id>) when it lies in another station's area, or in none (the city's).
 */
export function incidentOutOfScope(ctx: AuthContext, req: Request, res: Response, incident: { id: number; number: string }, station: string | null): boolean {
  const u = req.user!;
  if (inScope(u, station)) return false;
  refuseOtherStation(ctx, req, res, u, incident.number, station, `alert:${incident.id}`);
  return true;
}

/**
 * The newest `limit` rows that `keep` keeps, from a store query that cannot filter by station (it
 * knows places, not stations): asks for `limit`, then twice as many while too few were kept and the
 * store may hold more, up to `max` rows read. So a station's log is as long as the city's would be.
 */
export async function newestKept<T>(read: (limit: number) => Promise<T[]>, keep: (row: T) => boolean, limit: number, max: number): Promise<T[]> {
  for (let ask = Math.min(limit, max);; ask = Math.min(ask * 2, max)) {
    const rows = await read(ask);
    const kept = rows.filter(keep);
    if (kept.length >= limit || rows.length < ask || ask >= max) return kept.slice(0, limit);
  }
}
