/** Distance, direction and map-app links from the officer to an incident (WGS-84, as phones and drones report). */

import type { LatLon } from '../../../server/wire/types.ts';

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine): accurate to well under a metre at street scale. */
export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial compass bearing from a to b, degrees 0..360 (0 = north, 90 = east). */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const dLon = rad(b.lon - a.lon);
  const y = Math.sin(dLon) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(dLon);
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

export const COMPASS_POINTS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'] as const;
export type CompassPoint = (typeof COMPASS_POINTS)[number];

/** The nearest of the eight compass points. */
export function compassPoint(bearing: number): CompassPoint {
  return COMPASS_POINTS[Math.round(bearing / 45) % 8]!;
}

/** RFC 5870 geo: URI; Android hands it to whichever maps app the officer uses. */
export function geoUri(at: LatLon, label: string): string {
  return `geo:${at.lat},${at.lon}?q=${at.lat},${at.lon}(${encodeURIComponent(label)})`;
}

/**
 * AMap (高德) marker link: opens the AMap app when installed (callnative), its web page otherwise.
 * AMap works in GCJ-02; coordinate=wgs84 tells it ours are GPS coordinates, or the pin lands
 * hundreds of metres off.
 */
export function amapUri(at: LatLon, label: string): string {
  return `https://uri.amap.com/marker?position=${at.lon},${at.lat}&name=${encodeURIComponent(label)}&src=skybeat&coordinate=wgs84&callnative=1`;
}
