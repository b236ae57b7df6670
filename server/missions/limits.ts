/**
 * How big a route may be. One number for the size, applied to the request body that brings a
 * route, to the file written into the missions folder and to the files read from it, so a route
 * accepted once is never refused later (nor the other way round).
 */
export const ROUTE_MAX_MB = 6;
export const ROUTE_MAX_BYTES = ROUTE_MAX_MB * 1024 * 1024;

/**
 * Mission items a drone stores. ArduCopter keeps about 700 on common boards (it answers NO_SPACE
 * beyond; its SITL and our simulator hold 700), item 0 being home. PX4 holds more (500-2000,
 * by build), so 700 is the number every drone of a station can fly.
 */
export const MISSION_MAX_ITEMS = 700;
/** A route's own items: home takes one of the drone's places. */
export const ROUTE_MAX_ITEMS = MISSION_MAX_ITEMS - 1;

/** A GIS line too dense for a mission is simplified keeping every drawn point within this distance of the flown line. */
export const LINE_TOLERANCE_M = 2;

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
