import path from 'node:path';
import type { Route, RouteFormat } from '../model.ts';
import { parseGeoJson } from './geojson.ts';
import { parseKml } from './kml.ts';
import type { LineImportOptions } from './line-route.ts';
import { exportPlan, parsePlan } from './plan.ts';
import { exportWaypoints, parseWaypoints } from './wpl.ts';

const BY_EXTENSION: Record<string, RouteFormat> = {
  '.plan': 'plan',
  '.waypoints': 'waypoints',
  '.txt': 'waypoints', // Mission Planner's other extension; only when the text says so
  '.geojson': 'geojson',
  '.kml': 'kml',
};

export const EXTENSION: Record<RouteFormat, string> = { plan: '.plan', waypoints: '.waypoints', geojson: '.geojson', kml: '.kml' };

/** The format of a route file by its name (and, for .txt, its first line); null for other files. */
export function formatOf(fileName: string, text?: string): RouteFormat | null {
  const ext = path.extname(fileName).toLowerCase();
  if (ext === '.txt' && text !== undefined && !text.replace(/^\uFEFF/, '').startsWith('QGC WPL')) return null;
  return BY_EXTENSION[ext] ?? null;
}

/** A route's id is its file name without the extension. */
export const routeId = (fileName: string) => path.basename(fileName, path.extname(fileName));

/** Read a route file; throws ParseError listing every problem with its place. */
export function parseRoute(text: string, fileName: string, opts: LineImportOptions = {}): Route {
  const format = formatOf(fileName, text);
  const id = routeId(fileName);
  switch (format) {
    case 'plan':
      return parsePlan(text, fileName, id);
    case 'waypoints':
      return parseWaypoints(text, fileName, id);
    case 'geojson':
      return parseGeoJson(text, fileName, id, opts);
    case 'kml':
      return parseKml(text, fileName, id, opts);
    default:
      throw new Error(`${fileName}: not a route file (.plan, .waypoints, .geojson or .kml)`);
  }
}

export type ExportFormat = 'plan' | 'waypoints';

export function exportRoute(route: Route, format: ExportFormat): string {
  return format === 'plan' ? exportPlan(route) : exportWaypoints(route);
}
