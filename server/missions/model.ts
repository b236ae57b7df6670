/**
 * A patrol route, kept in MAVLink's own terms (commands by MAV_CMD number, frames by MAV_FRAME)
 * so that any file we read can be written back and sent to a drone without losing anything.
 */

import type { RouteMeta } from '../wire/types.ts';
import type { ServerMessage } from '../wire/messages.ts';

export type RouteFormat = 'plan' | 'waypoints' | 'geojson' | 'kml';

// The browser shows a route's metadata: its shape is defined with the other wire types.
export type { RouteMeta };

export interface MissionItem {
  command: number;
  frame: number;
  /** param1..param4; NaN means "unset, use the autopilot's default" (null in a .plan) */
  params: [number, number, number, number];
  /** param5..param7: degrees and metres in global frames; plain values in frame MISSION (2) */
  lat: number;
  lon: number;
  alt: number;
  autocontinue: boolean;
}

export interface GeoPoint {
  lat: number;
  lon: number;
  alt: number;
}

export interface FencePolygon {
  inclusion: boolean;
  /** vertices in order, the closing edge implied (as QGroundControl and MAVLink keep them) */
  vertices: { lat: number; lon: number }[];
}

export interface FenceCircle {
  inclusion: boolean;
  lat: number;
  lon: number;
  radius: number;
}

export interface Fence {
  polygons: FencePolygon[];
  circles: FenceCircle[];
  /** ArduPilot's breach return point (NAV_FENCE_RETURN_POINT), alt relative to home */
  returnPoint: GeoPoint | null;
}

/** QGroundControl settings and complex items kept only to write a .plan back as it was. */
export interface PlanExtras {
  firmwareType: number;
  cruiseSpeed: number | null;
  hoverSpeed: number | null;
  globalPlanAltitudeMode: number | null;
  /** complex items (surveys) as read, re-emitted while their expanded items are unchanged */
  complexItems: { at: number; items: MissionItem[]; json: unknown }[];
}

export interface RouteSource {
  file: string;
  format: RouteFormat | 'json';
  /** where each of items[] came from in that file, e.g. "mission.items[3]" or "line 5" */
  locations: string[];
  /** what reading the file changed, for the pilot to know (a line simplified to fit a mission), said in the page's language */
  notes?: ServerMessage[];
}

export interface Route {
  /** file name without extension */
  id: string;
  meta: RouteMeta;
  /** MAV_TYPE the route is planned for (2 = quadrotor) */
  vehicleType: number;
  /** planned home, altitude AMSL; null when the file has none (0,0,0 counts as none) */
  plannedHome: GeoPoint | null;
  items: MissionItem[];
  fence: Fence;
  /** rally points, altitude relative to home */
  rally: GeoPoint[];
  plan: PlanExtras | null;
  source: RouteSource;
}

export const EMPTY_META: RouteMeta = { nameZh: '', nameEn: '', station: '', defaultDrone: '', schedule: '', notes: '' };
export const QUADROTOR = 2;

export function emptyFence(): Fence {
  return { polygons: [], circles: [], returnPoint: null };
}

export function item(command: number, frame: number, lat = 0, lon = 0, alt = 0, params: MissionItem['params'] = [0, 0, 0, 0]): MissionItem {
  return { command, frame, params, lat, lon, alt, autocontinue: true };
}

/** A home of exactly 0,0,0 is a placeholder, not a place. */
export function homeOrNull(lat: number, lon: number, alt: number): GeoPoint | null {
  return lat === 0 && lon === 0 && alt === 0 ? null : { lat, lon, alt };
}
