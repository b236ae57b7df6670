/**
 * GIS lines far denser than a mission can hold, as a QGIS "densify" or a phone's GPS trace
 * exports them: a ~7.6 km street loop around the Wenling demo home with a point every
 * ~15 cm and sub-metre jitter. Made here (deterministic), not read from a fixture.
 */

export interface LonLat {
  lon: number;
  lat: number;
}

/** Street corners of the loop, [lon, lat]. */
const CORNERS: [number, number][] = [
  [121.3700, 28.3640],
  [121.3790, 28.3640],
  [121.3830, 28.3660],
  [121.3880, 28.3660],
  [121.3880, 28.3730],
  [121.3840, 28.3760],
  [121.3770, 28.3760],
  [121.3720, 28.3710],
  [121.3700, 28.3640],
];

const M_PER_DEG_LAT = 111_320;

/** The loop with `count` points, evenly spread along it, each moved by up to `jitterM` metres. */
export function denseLoop(count: number, jitterM = 0.3): LonLat[] {
  const mPerDegLon = M_PER_DEG_LAT * Math.cos((28.37 * Math.PI) / 180);
  const legs = CORNERS.slice(1).map(([lon, lat], i) => {
    const [lon0, lat0] = CORNERS[i]!;
    return { lon0, lat0, dLon: lon - lon0, dLat: lat - lat0, m: Math.hypot((lon - lon0) * mPerDegLon, (lat - lat0) * M_PER_DEG_LAT) };
  });
  const total = legs.reduce((s, l) => s + l.m, 0);
  let seed = 13;
  const noise = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return (seed / 2 ** 31 - 0.5) * 2 * jitterM;
  };
  const out: LonLat[] = [];
  for (let i = 0; i < count; i++) {
    let along = (total * i) / (count - 1);
    const leg = legs.find((l) => (along <= l.m ? true : ((along -= l.m), false))) ?? legs.at(-1)!;
    const f = Math.min(1, along / leg.m);
    out.push({ lon: leg.lon0 + leg.dLon * f + noise() / mPerDegLon, lat: leg.lat0 + leg.dLat * f + noise() / M_PER_DEG_LAT });
  }
  return out;
}

/** A zigzag with a real 25 m corner every 20 m: no tolerance of a few metres can drop them. */
export function zigzag(count: number): LonLat[] {
  const mPerDegLon = M_PER_DEG_LAT * Math.cos((28.37 * Math.PI) / 180);
  return Array.from({ length: count }, (_, i) => ({ lon: 121.37 + (i * 20) / mPerDegLon, lat: 28.37 + (i % 2 ? 25 : 0) / M_PER_DEG_LAT }));
}

/** KML text of one LineString placemark, coordinates with 6 decimals (~10 cm) as GIS tools write them. */
export function lineKml(points: LonLat[], name = 'dense patrol'): string {
  const coords = points.map((p) => `${p.lon.toFixed(6)},${p.lat.toFixed(6)}`).join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>${name}</name>
<LineString><coordinates>${coords}</coordinates></LineString></Placemark></Document></kml>
`;
}
