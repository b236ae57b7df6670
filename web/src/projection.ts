/**
 * Positions for display. Drones, officers and the service speak WGS-84; Chinese web maps (AMap,
 * Tencent) draw their streets in GCJ-02, which is shifted by several hundred metres. On such a
 * map every position is converted before it is drawn, and every click converted back before it
 * is sent, so a drone never appears off its true street. No DOM or Leaflet here: tests import it.
 */

import type { LatLon } from '../../server/wire/types.ts';

/** How the map draws a WGS-84 position, and which WGS-84 position a point on the map is. */
export interface Projection {
  readonly crs: 'wgs84' | 'gcj02';
  toMap(lat: number, lon: number): [number, number];
  fromMap(lat: number, lng: number): LatLon;
}

// The published GCJ-02 constants: the Krasovsky 1940 ellipsoid.
const A = 6378245.0;
const EE = 0.006693421622965943;

/** GCJ-02 shifts only inside China; elsewhere it equals WGS-84. */
export function outOfChina(lat: number, lon: number): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function shiftLat(x: number, y: number): number {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
  return r;
}

function shiftLon(x: number, y: number): number {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
  return r;
}

export function wgs84ToGcj02(lat: number, lon: number): LatLon {
  if (outOfChina(lat, lon)) return { lat, lon };
  const radLat = (lat / 180) * Math.PI;
  const magic = 1 - EE * Math.sin(radLat) ** 2;
  const sqrtMagic = Math.sqrt(magic);
  const dLat = (shiftLat(lon - 105, lat - 35) * 180) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  const dLon = (shiftLon(lon - 105, lat - 35) * 180) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return { lat: lat + dLat, lon: lon + dLon };
}

/** The inverse has no closed form: step back by the forward shift until it lands (millimetres in 3-4 steps). */
export function gcj02ToWgs84(lat: number, lon: number): LatLon {
  if (outOfChina(lat, lon)) return { lat, lon };
  let guess = { lat, lon };
  for (let i = 0; i < 10; i++) {
    const there = wgs84ToGcj02(guess.lat, guess.lon);
    const dLat = there.lat - lat;
    const dLon = there.lon - lon;
    guess = { lat: guess.lat - dLat, lon: guess.lon - dLon };
    if (Math.abs(dLat) < 1e-10 && Math.abs(dLon) < 1e-10) break;
  }
  return guess;
}

export function projectionFor(crs: 'wgs84' | 'gcj02' | undefined): Projection {
  if (crs === 'gcj02') {
    return {
      crs,
      toMap: (lat, lon) => {
        const p = wgs84ToGcj02(lat, lon);
        return [p.lat, p.lon];
      },
      fromMap: (lat, lng) => gcj02ToWgs84(lat, lng),
    };
  }
  return { crs: 'wgs84', toMap: (lat, lon) => [lat, lon], fromMap: (lat, lng) => ({ lat, lon: lng }) };
}
