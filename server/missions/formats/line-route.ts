import { CMD } from '../commands.ts';
import { EMPTY_META, emptyFence, item, QUADROTOR, type FencePolygon, type Route, type RouteFormat, type RouteMeta } from '../model.ts';

/** A patrol line drawn in a GIS becomes take off, fly the line, return to launch, at one altitude. */
export const DEFAULT_LINE_ALTITUDE = 40;

export interface LineImportOptions {
  /** altitude above home for the whole line (metres); overrides the file's own "altitude" */
  altitude?: number;
}

const RELATIVE = 3; // MAV_FRAME_GLOBAL_RELATIVE_ALT

export interface DrawnRoute {
  /** [lon, lat] in file order, as GeoJSON and KML both write them */
  line: { lon: number; lat: number; where: string }[];
  polygons: FencePolygon[];
  meta: Partial<RouteMeta>;
  altitude: number | undefined;
}

export function lineRoute(drawn: DrawnRoute, opts: LineImportOptions, file: string, id: string, format: RouteFormat): Route {
  const alt = opts.altitude ?? drawn.altitude ?? DEFAULT_LINE_ALTITUDE;
  // Take off where the drone stands (0,0 = here for NAV_TAKEOFF), fly every point, come home.
  const items = [
    item(CMD.TAKEOFF, RELATIVE, 0, 0, alt),
    ...drawn.line.map((pt) => item(CMD.WAYPOINT, RELATIVE, pt.lat, pt.lon, alt)),
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
    source: { file, format, locations: ['takeoff (added)', ...drawn.line.map((pt) => pt.where), 'return to launch (added)'] },
  };
}

/** Split a free "name" into the Chinese or English name field. */
export function nameMeta(name: string | undefined): Partial<RouteMeta> {
  if (!name) return {};
  return /[\u4e00-\u9fff]/.test(name) ? { nameZh: name } : { nameEn: name };
}
