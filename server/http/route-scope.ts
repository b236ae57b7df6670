import type { Request, Response } from 'express';
import type { RouteStore } from '../missions/store.ts';
import type { User } from '../store/users.ts';
import { CITY_SCOPE, type DuePatrol } from '../wire/types.ts';
import type { AuthContext } from './auth.ts';
import { refuseOtherStation, scopeOf } from './scope.ts';

/**
 * Routes and their schedules per station (issue 18). A route belongs to the station its metadata
 * names (meta.station: the station's id in any case, or its name as written). A route naming no
 * station known here, or none, is the city's: every station may see and fly it. So every route
 * made before stations — and the example routes, which name their station in full words — works
 * for everyone as before; naming a station's id or name is how a route becomes that station's.
 * Unlike a drone of unknown station (the city's people's only, scope.ts), an unknown route's
 * station shares it with all: a route only says where to fly, the drone is checked on its own.
 */

/** The station (its id) that a route's meta.station names; null: none known here, the city's. */
export type StationOfRoute = (named: string | undefined) => string | null;

/** Names read against the stations this node knows (its own and those the city's other nodes told it of). */
export function stationOfRouteFrom(stations: () => readonly { id: string; name: string }[]): StationOfRoute {
  return (named) => {
    const n = named?.trim() ?? '';
    if (n === '') return null;
    const known = stations();
    const byId = known.find((s) => s.id.toLowerCase() === n.toLowerCase());
    // A station without a name is named by nothing: an empty name must not claim routes.
    return (byId ?? known.find((s) => s.name.trim() !== '' && s.name.trim() === n))?.id ?? null;
  };
}

/** The station of route `id` in the folder; null for the city's (an unknown id or an unreadable file too: the store answers those). */
export const routeStationIn = (routes: Pick<RouteStore, 'get'>, of: StationOfRoute) => (id: string): string | null => of(routes.get(id)?.route?.meta.station);

/** May people of `scope` see and fly a route of `station`? Their own station's, and the city's (null), which are everyone's. */
export const routeSeenBy = (scope: string, station: string | null): boolean => station === null || scope === CITY_SCOPE || scope === station;

export const routeInScope = (u: User, station: string | null): boolean => routeSeenBy(scopeOf(u), station);

/** The due patrols that people of `scope` are shown: those of their station's routes and the city's. */
export const dueFor = (scope: string, due: DuePatrol[], routeStation: (routeId: string) => string | null): DuePatrol[] =>
  scope === CITY_SCOPE ? due : due.filter((d) => routeSeenBy(scope, routeStation(d.routeId)));

/**
 * For a request past its role check about route `id` of `station` (reading it, changing it, saving
 * one that names that station, sending it to a drone): refuses it (403 scope_other_station naming
 * the route, audited as access.denied on route:<id>) and answers true when req.user may not have it.
 */
export function routeOutOfScope(ctx: AuthContext, req: Request, res: Response, id: string, station: string | null): boolean {
  const u = req.user!;
  if (routeInScope(u, station)) return false;
  refuseOtherStation(ctx, req, res, u, id, station, `route:${id}`);
  return true;
}
