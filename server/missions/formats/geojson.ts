import { EMPTY_META, type FencePolygon, type Route, type RouteMeta } from '../model.ts';
import { asWritten, Problems } from '../issues.ts';
import { said } from '../../wire/messages.ts';
import { lineRoute, nameMeta, type DrawnRoute, type LineImportOptions } from './line-route.ts';
import { jsonError } from './plan.ts';

/**
 * GeoJSON (RFC 7946) patrol lines: exactly one LineString is the route; Polygons become fence
 * polygons (holes become exclusion zones). Positions are [lon, lat, alt?]; the altitude flown
 * comes from the import option or the line's "altitude" property, not from z, which GIS tools
 * fill with ground or sea-level heights.
 */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const META_KEYS = Object.keys(EMPTY_META) as (keyof RouteMeta)[];
const at = (base: string, key: string) => (base ? `${base}.${key}` : key);

function position(p: Problems, v: unknown, where: string): { lon: number; lat: number } | null {
  if (!Array.isArray(v) || v.length < 2 || !v.slice(0, 2).every((x) => typeof x === 'number' && Number.isFinite(x))) {
    if (!p.full) p.add(where, said('import_position', { got: asWritten(v) }));
    return null;
  }
  return { lon: v[0], lat: v[1] };
}

function ring(p: Problems, v: unknown, where: string, inclusion: boolean): FencePolygon | null {
  const pts = Array.isArray(v) ? v.map((x, i) => position(p, x, `${where}[${i}]`)) : [];
  if (pts.some((x) => !x)) return null;
  const first = pts[0];
  const last = pts.at(-1);
  if (!first || !last || first.lat !== last.lat || first.lon !== last.lon) {
    p.add(where, said('import_fence_open'));
    return null;
  }
  if (pts.length < 4) {
    p.add(where, said('import_fence_corners', { n: pts.length - 1 }));
    return null;
  }
  return { inclusion, vertices: pts.slice(0, -1).map((x) => ({ lat: x!.lat, lon: x!.lon })) };
}

function properties(p: Problems, props: unknown, where: string, drawn: DrawnRoute): void {
  if (!isObj(props)) return;
  Object.assign(drawn.meta, nameMeta(typeof props.name === 'string' ? props.name : undefined));
  for (const k of META_KEYS) if (typeof props[k] === 'string') drawn.meta[k] = props[k];
  if (props.altitude !== undefined) {
    if (typeof props.altitude === 'number' && props.altitude > 0) drawn.altitude = props.altitude;
    else p.add(at(where, 'properties.altitude'), said('import_altitude', { got: asWritten(props.altitude) }));
  }
}

function geometry(p: Problems, g: unknown, where: string, props: unknown, drawn: DrawnRoute): void {
  if (!isObj(g)) {
    p.add(where, said('import_no_geometry'));
    return;
  }
  const coords = g.coordinates;
  const lines = g.type === 'LineString' ? [coords] : g.type === 'MultiLineString' && Array.isArray(coords) ? coords : null;
  if (lines) {
    if (drawn.line.length || lines.length !== 1) {
      p.add(where, said('import_one_line'));
      return;
    }
    const line = lines[0];
    const path = at(where, g.type === 'LineString' ? 'coordinates' : 'coordinates[0]');
    if (!Array.isArray(line) || line.length < 1) {
      p.add(path, said('import_line_empty'));
      return;
    }
    drawn.lineAt = path;
    for (const [i, v] of line.entries()) {
      if (p.full) break;
      const pos = position(p, v, `${path}[${i}]`);
      if (pos) drawn.line.push(pos);
    }
    properties(p, props, where.replace(/(^|\.)geometry$/, ''), drawn);
  } else if (g.type === 'Polygon' && Array.isArray(coords)) {
    const inclusion = !(isObj(props) && props.inclusion === false);
    coords.forEach((r, i) => {
      // Holes in an inclusion zone are places not to fly into.
      const poly = ring(p, r, at(where, `coordinates[${i}]`), i === 0 ? inclusion : false);
      if (poly) drawn.polygons.push(poly);
    });
  } else {
    p.add(where, said('import_geometry_unused', { type: asWritten(g.type) }));
  }
}

export function parseGeoJson(text: string, file: string, id: string, opts: LineImportOptions = {}): Route {
  const p = new Problems(file);
  let root: unknown;
  try {
    root = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    p.add('', jsonError(text, err as Error));
    p.check();
  }
  const drawn: DrawnRoute = { line: [], lineAt: '', polygons: [], meta: {}, altitude: undefined };
  if (isObj(root) && root.type === 'FeatureCollection' && Array.isArray(root.features)) {
    root.features.forEach((f, i) => geometry(p, isObj(f) ? f.geometry : undefined, `features[${i}].geometry`, isObj(f) ? f.properties : undefined, drawn));
  } else if (isObj(root) && root.type === 'Feature') {
    geometry(p, root.geometry, 'geometry', root.properties, drawn);
  } else if (isObj(root) && typeof root.type === 'string') {
    geometry(p, root, '', undefined, drawn);
  } else {
    p.add('', said('import_not_geojson'));
  }
  if (!drawn.line.length && !p.list.length) p.add('', said('import_no_line'));
  p.check();
  return lineRoute(drawn, opts, file, id, 'geojson');
}
