import { CMD, label } from './commands.ts';
import { estimateFlight, heightOf, placeOf } from './flight.ts';
import type { Route } from './model.ts';
import { DEFAULT_SPEED_MS, type Airspace, type BatteryRules, type RouteRules } from '../wire/route-rules.ts';
import type { RouteSummary } from '../wire/types.ts';
import type { RouteEntry } from './store.ts';
import { issueText } from './issues.ts';

/** What the API and the map get for a route: plain JSON (NaN becomes null on the way). */
export type { RouteSummary };

export function routeSummary(e: RouteEntry): RouteSummary {
  const errors = e.issues.filter((i) => i.level === 'error').length;
  const warnings = e.issues.length - errors;
  const est = e.route && !errors ? estimateFlight(e.route) : null;
  return {
    id: e.id,
    file: e.file,
    format: e.format,
    meta: e.route?.meta ?? null,
    status: errors || !e.route ? 'invalid' : warnings ? 'warnings' : 'ok',
    itemCount: e.route?.items.length ?? 0,
    distanceM: est ? Math.round(est.distanceM) : null,
    durationS: est ? Math.round(est.durationS) : null,
    errors,
    warnings,
  };
}

/** A route's items and its map drawing, without the file's extras (QGroundControl's stay on the server; a PUT keeps them). */
export function routeShape(r: Route) {
  const { source: _source, plan: _plan, ...route } = r;
  return { route, geojson: routeGeoJson(r) };
}

/** checks: the station's rules the route is held to, sent along for the route editor. */
export function routeDetail(e: RouteEntry, checks: Airspace & BatteryRules) {
  const rules: RouteRules = {
    geofence: checks.geofence,
    noFly: checks.noFly,
    ceilingM: checks.ceilingM,
    enduranceS: checks.enduranceS,
    reservePercent: checks.reservePercent,
    speedMs: e.route?.plan?.hoverSpeed ?? DEFAULT_SPEED_MS,
  };
  return {
    ...routeSummary(e),
    rules,
    ...(e.route ? routeShape(e.route) : { route: null, geojson: null }),
    /** where each item sits in the file, for pointing at it */
    locations: e.route?.source.locations ?? [],
    issues: e.issues.map((i) => ({ ...i, text: issueText(i) })),
  };
}

type Feature = { type: 'Feature'; geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> };

/**
 * The route for a Leaflet map: the flown path (home, each placed item, home again on RTL),
 * a point per placed item, the planned home, fence zones and rally points. GeoJSON is [lon, lat].
 */
function routeGeoJson(route: Route): { type: 'FeatureCollection'; features: Feature[] } {
  const features: Feature[] = [];
  const pt = (lat: number, lon: number, properties: Record<string, unknown>): Feature => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [lon, lat] },
    properties,
  });
  const home = route.plannedHome;
  const path: [number, number][] = home ? [[home.lon, home.lat]] : [];
  route.items.forEach((it, index) => {
    const place = placeOf(it);
    if (place) {
      path.push([place.lon, place.lat]);
      features.push(pt(place.lat, place.lon, {
        kind: 'item',
        index,
        seq: index + 1,
        command: it.command,
        name: label(it.command),
        alt: heightOf(it, home),
      }));
    }
    if (it.command === CMD.RETURN_TO_LAUNCH && home) path.push([home.lon, home.lat]);
  });
  if (path.length > 1) features.unshift({ type: 'Feature', geometry: { type: 'LineString', coordinates: path }, properties: { kind: 'path' } });
  if (home) features.push(pt(home.lat, home.lon, { kind: 'home', altMsl: home.alt }));
  for (const poly of route.fence.polygons) {
    const ring = poly.vertices.map((v) => [v.lon, v.lat]);
    if (ring.length) ring.push(ring[0]!);
    features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: { kind: 'fence', inclusion: poly.inclusion } });
  }
  for (const c of route.fence.circles) features.push(pt(c.lat, c.lon, { kind: 'fence-circle', inclusion: c.inclusion, radius: c.radius }));
  route.rally.forEach((r, i) => features.push(pt(r.lat, r.lon, { kind: 'rally', index: i, alt: r.alt })));
  return { type: 'FeatureCollection', features };
}
