/**
 * A route as the autopilot flies it, split where the drone is: the legs flown, the leg it is
 * flying, and the legs ahead. Items are numbered as the autopilot reports them (MISSION_CURRENT):
 * on ArduPilot item 0 is home, so route item i is sequence i + 1; an RTL item flies back home.
 */

import type { LatLon } from '../../../server/wire/types.ts';
import type { RouteShape } from './catalog.ts';

const RETURN_TO_LAUNCH = 20;

export interface Stop extends LatLon {
  seq: number;
}

/** The places the route flies to, in order, from home. offset: 1 where the autopilot counts home as item 0. */
export function stopsOf(detail: RouteShape, offset: number, home: LatLon | null): Stop[] {
  const placed = new Map<number, LatLon>();
  for (const feature of detail.geojson?.features ?? []) {
    if (feature.properties.kind === 'item' && feature.properties.index !== undefined) {
      const [lon, lat] = feature.geometry.coordinates as [number, number];
      placed.set(feature.properties.index, { lat, lon });
    }
  }
  const start = home ?? detail.route?.plannedHome ?? null;
  const stops: Stop[] = start ? [{ ...start, seq: -1 }] : [];
  detail.route?.items.forEach((item, index) => {
    const place = placed.get(index) ?? (item.command === RETURN_TO_LAUNCH ? start : null);
    if (place) stops.push({ lat: place.lat, lon: place.lon, seq: index + offset });
  });
  return stops;
}

/** Legs flown before item `seq`, the leg to it, and those after; null seq: nothing flown yet. */
export function splitLegs(stops: Stop[], seq: number | null): { flown: LatLon[]; current: LatLon[]; ahead: LatLon[] } {
  if (seq === null) return { flown: [], current: [], ahead: stops };
  const target = stops.findIndex((s) => s.seq >= seq);
  if (target < 0) return { flown: stops, current: [], ahead: [] };
  if (target === 0) return { flown: [], current: [], ahead: stops };
  return { flown: stops.slice(0, target), current: stops.slice(target - 1, target + 1), ahead: stops.slice(target) };
}
