import type { ValidateOptions } from '../missions/validate.ts';
import type { StationRules } from './preflight.ts';

/**
 * What a route is checked against wherever it is checked — on save, in the folder, in the
 * preflight: the station's ceiling, geofence, no-fly zones, endurance and its one battery reserve.
 */
export function routeChecksOf(rules: StationRules): ValidateOptions {
  return { ceilingM: rules.ceilingM, enduranceS: rules.enduranceS, reservePercent: rules.reservePercent, geofence: rules.geofence, noFly: rules.noFly };
}
