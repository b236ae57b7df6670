import simplify from 'simplify-js';
import { CMD } from '../commands.ts';
import { RefusedFile } from '../issues.ts';
import { LINE_TOLERANCE_M, MISSION_MAX_ITEMS, ROUTE_MAX_ITEMS } from '../limits.ts';
import { EMPTY_META, emptyFence, item, QUADROTOR, type FencePolygon, type Route, type RouteFormat, type RouteMeta } from '../model.ts';
import { said, type ServerMessage } from '../../wire/messages.ts';

/** A patrol line drawn in a GIS becomes take off, fly the line, return to launch, at one altitude. */
export const DEFAULT_LINE_ALTITUDE = 40;

export interface LineImportOptions {
  /** altitude above home for the whole line (metres); overrides the file's own "altitude" */
  altitude?: number;
}

const RELATIVE = 3; // MAV_FRAME_GLOBAL_RELATIVE_ALT

export interface DrawnRoute {
  /** the line's positions, each at its index in the file (its place there is `${lineAt}[index]`) */
  line: { lon: number; lat: number }[];
  /** where the line's positions are in the file, e.g. "features[0].geometry.coordinates" */
  lineAt: string;
  polygons: FencePolygon[];
  meta: Partial<RouteMeta>;
  altitude: number | undefined;
}

/** Points of a drawn line that fit in a mission beside the takeoff and return added to it. */
export const MAX_LINE_POINTS = ROUTE_MAX_ITEMS - 2;
const HOLDS = said('import_holds', { max: MAX_LINE_POINTS, items: MISSION_MAX_ITEMS });
const M_PER_DEG = 111_320;
const count = (n: number) => n.toLocaleString('en');

/**
 * Douglas-Peucker is quadratic on some lines (a zigzag: one corner found per pass over the
 * whole line: 33 s for 350,000 points) and simplify-js recurses once per corner kept (a stack
 * overflow past ~10,000). Run on pieces of this many points, it stays near linear and shallow;
 * each piece keeps its two ends, a few points more than one run would keep.
 */
const PIECE = 2000;

/**
 * A line denser than a mission can hold (a GPS trace, a densified GIS line) is simplified in
 * local metres: points within half the tolerance of the last kept one are dropped, then
 * Douglas-Peucker with the other half, so every drawn point stays within LINE_TOLERANCE_M of the
 * line flown. A line with more real corners than a mission holds is refused, as soon as that is
 * clear.
 */
function fitLine({ line, lineAt }: DrawnRoute, file: string): { kept: number[]; note?: ServerMessage } {
  if (line.length <= MAX_LINE_POINTS) return { kept: line.map((_, i) => i) };
  const lat0 = line.reduce((s, p) => s + p.lat, 0) / line.length;
  const mPerDegLon = M_PER_DEG * Math.cos((lat0 * Math.PI) / 180);
  const local = line.map((pt, i) => ({ x: pt.lon * mPerDegLon, y: pt.lat * M_PER_DEG, i }));
  const kept = [local[0]!];
  for (let start = 0; start < local.length - 1 && kept.length <= MAX_LINE_POINTS; start += PIECE) {
    const piece = local.slice(start, start + PIECE + 1); // shares its first point with the last piece's end
    kept.push(...(simplify(piece, LINE_TOLERANCE_M / 2) as typeof local).slice(1));
  }
  if (kept.length > MAX_LINE_POINTS) {
    throw new RefusedFile(
      file,
      lineAt,
      said('import_too_many_points', { points: count(line.length), tolerance: LINE_TOLERANCE_M, max: MAX_LINE_POINTS, holds: HOLDS }),
    );
  }
  return {
    kept: kept.map((p) => p.i),
    note: said('import_simplified', { points: count(line.length), holds: HOLDS, kept: count(kept.length), tolerance: LINE_TOLERANCE_M }),
  };
}

export function lineRoute(drawn: DrawnRoute, opts: LineImportOptions, file: string, id: string, format: RouteFormat): Route {
  const alt = opts.altitude ?? drawn.altitude ?? DEFAULT_LINE_ALTITUDE;
  const { kept, note } = fitLine(drawn, file);
  const line = kept.map((i) => drawn.line[i]!);
  // Take off where the drone stands (0,0 = here for NAV_TAKEOFF), fly every point, come home.
  const items = [
    item(CMD.TAKEOFF, RELATIVE, 0, 0, alt),
    ...line.map((pt) => item(CMD.WAYPOINT, RELATIVE, pt.lat, pt.lon, alt)),
    item(CMD.RETURN_TO_LAUNCH, 2),
  ];
  const fence = emptyFence();
  fence.polygons = drawn.polygons;
  return {
    id,
    meta: { ...EMPTY_META, ...drawn.meta },
    vehicleType: QUADROTOR,
    plannedHome: null,
    items,
    fence,
    rally: [],
    plan: null,
    source: {
      file,
      format,
      locations: ['takeoff (added)', ...kept.map((i) => `${drawn.lineAt}[${i}]`), 'return to launch (added)'],
      ...(note ? { notes: [note] } : {}),
    },
  };
}

/** Split a free "name" into the Chinese or English name field. */
export function nameMeta(name: string | undefined): Partial<RouteMeta> {
  if (!name) return {};
  return /[\u4e00-\u9fff]/.test(name) ? { nameZh: name } : { nameEn: name };
}
