import { computeDestinationPoint, earthRadius, getDistance, getGreatCircleBearing } from 'geolib';
import type { LatLon } from '../../wire/types.ts';

/** Metres north and east of an origin. */
export interface Local {
  n: number;
  e: number;
}

/**
 * Converts between lat/lon and a flat north/east frame around a fixed origin (the drone's EKF
 * origin), so the flight model works in metres. Both directions use geolib on the same sphere
 * (geolib's earthRadius), so a round trip returns the same point to the millimetre.
 */
export class LocalFrame {
  constructor(readonly origin: LatLon) {}

  toLocal(p: LatLon): Local {
    const from = { latitude: this.origin.lat, longitude: this.origin.lon };
    const to = { latitude: p.lat, longitude: p.lon };
    const d = getDistance(from, to, 0.001);
    if (d === 0) return { n: 0, e: 0 };
    const b = (getGreatCircleBearing(from, to) * Math.PI) / 180;
    return { n: d * Math.cos(b), e: d * Math.sin(b) };
  }

  toGlobal(l: Local): LatLon {
    const d = Math.hypot(l.n, l.e);
    if (d === 0) return { ...this.origin };
    const bearing = (Math.atan2(l.e, l.n) * 180) / Math.PI;
    const p = computeDestinationPoint({ latitude: this.origin.lat, longitude: this.origin.lon }, d, bearing, earthRadius);
    return { lat: p.latitude, lon: p.longitude };
  }
}

/** A point `metres` away from `p` on `bearingDeg` (used to space the squadron's homes). */
export function offset(p: LatLon, metres: number, bearingDeg: number): LatLon {
  const q = computeDestinationPoint({ latitude: p.lat, longitude: p.lon }, metres, bearingDeg, earthRadius);
  return { lat: q.latitude, lon: q.longitude };
}
