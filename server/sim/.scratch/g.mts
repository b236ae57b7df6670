import { getPreciseDistance, getDistance, computeDestinationPoint, getGreatCircleBearing } from 'geolib';
const o = { latitude: 28.37, longitude: 121.38 };
for (const d of [0.01, 0.3, 1, 10, 245, 5000]) {
  const p = computeDestinationPoint(o, d, 37);
  console.log(d, getPreciseDistance(o, p, 0.001), getDistance(o, p, 0.001), getGreatCircleBearing(o, p));
}
console.log(getPreciseDistance(o, o, 0.001));
