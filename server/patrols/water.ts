import { insideZone } from '../wire/route-rules.ts';
import type { LatLon } from '../wire/types.ts';

/**
 * Water the station declares (sea, a reservoir, a river wide enough to matter): a drone is not
 * sent to a point over it, because nothing there needs a drone first and no officer can follow it.
 * Declared by the station, not looked up in a world map: the npm sea mask (is-sea) is OpenStreetMap's
 * sea of about six years ago, seas only, tens of megabytes; a station knows its own water, inland
 * water too, and keeps it current (README, "Drone to the scene").
 */
export interface WaterArea {
  name: string;
  /** the outer ring, closing edge implied */
  polygon: LatLon[];
  /** land inside it (an island, a pier): not water */
  holes: LatLon[][];
}

/** The declared water area the point is in, or null (a point on an island in it is not in it). */
export function waterAt(p: LatLon, areas: readonly WaterArea[]): WaterArea | null {
  return areas.find((a) => insideZone(p, a) && !a.holes.some((h) => insideZone(p, { name: a.name, polygon: h }))) ?? null;
}

/** A GeoJSON file of water areas that cannot be used, saying where. */
export class WaterFileError extends Error {}

type Position = [number, number, ...number[]];

function ring(coords: unknown, where: string): LatLon[] {
  if (!Array.isArray(coords)) throw new WaterFileError(`${where}: a ring must be an array of [lon, lat] positions`);
  const points = coords.map((c: unknown, i) => {
    const p = c as Position;
    if (!Array.isArray(p) || typeof p[0] !== 'number' || typeof p[1] !== 'number' || Math.abs(p[1]) > 90 || Math.abs(p[0]) > 180) {
      throw new WaterFileError(`${where}, position ${i}: not a [lon, lat] pair in degrees (GeoJSON puts longitude first)`);
    }
    return { lat: p[1], lon: p[0] };
  });
  // GeoJSON closes each ring by repeating the first position; our polygons imply the closing edge.
  const [first, last] = [points[0], points.at(-1)];
  if (points.length > 1 && first && last && first.lat === last.lat && first.lon === last.lon) points.pop();
  if (points.length < 3) throw new WaterFileError(`${where}: a ring needs at least 3 distinct positions`);
  return points;
}

function polygon(coords: unknown, name: string, where: string): WaterArea {
  if (!Array.isArray(coords) || coords.length === 0) throw new WaterFileError(`${where}: a Polygon needs its outer ring`);
  const [outer, ...holes] = coords as unknown[];
  return { name, polygon: ring(outer, `${where}, outer ring`), holes: holes.map((h, i) => ring(h, `${where}, hole ${i + 1}`)) };
}

/**
 * Water areas from GeoJSON (RFC 7946) as a GIS exports them: a FeatureCollection, a Feature or a
 * bare geometry, of Polygons and MultiPolygons (inner rings are land: islands). Each is named by its
 * feature's `name` property (else `name:zh`, as OpenStreetMap tags it), else "<source> #n".
 * Anything else is refused, saying where: a station's water must not be half read.
 */
export function waterAreasFromGeoJson(json: unknown, source: string): WaterArea[] {
  const out: WaterArea[] = [];
  const geometry = (g: unknown, name: string, where: string) => {
    const o = g as { type?: unknown; coordinates?: unknown } | null;
    if (o?.type === 'Polygon') out.push(polygon(o.coordinates, name, where));
    else if (o?.type === 'MultiPolygon' && Array.isArray(o.coordinates))
      o.coordinates.forEach((p, i) => out.push(polygon(p, name, `${where}, polygon ${i + 1}`)));
    else throw new WaterFileError(`${where}: a ${String(o?.type ?? 'missing geometry')}; water areas are Polygons or MultiPolygons`);
  };
  const feature = (f: unknown, i: number) => {
    const o = f as { type?: unknown; geometry?: unknown; properties?: Record<string, unknown> | null };
    const props = o.properties ?? {};
    const named = [props.name, props['name:zh']].find((n) => typeof n === 'string' && n.trim() !== '') as string | undefined;
    geometry(o.geometry, named?.trim() ?? `${source} #${i + 1}`, `${source}, feature ${i + 1}`);
  };
  const root = json as { type?: unknown; features?: unknown };
  if (root?.type === 'FeatureCollection') {
    if (!Array.isArray(root.features)) throw new WaterFileError(`${source}: a FeatureCollection needs "features"`);
    root.features.forEach(feature);
  } else if (root?.type === 'Feature') feature(root, 0);
  else geometry(root, `${source} #1`, source);
  if (out.length === 0) throw new WaterFileError(`${source}: no water areas in it`);
  return out;
}
