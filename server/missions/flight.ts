/**
 * A route's flight estimate and places: the rules the browser's route editor runs too, kept in
 * server/wire/route-rules.ts so both ends say the same length, time and battery need.
 */
export { distanceM, estimateFlight, heightOf, placeOf, type FlightEstimate, type FlightOptions, type Leg } from '../wire/route-rules.ts';
