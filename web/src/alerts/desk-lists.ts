/**
 * What the dispatch desk counts and how it orders its two lists. One place for the counts, so the
 * header, the sidebar's tab and the desk's own tabs cannot disagree.
 */

import type { AircraftAlertView, GroundAlertView } from '../../../server/wire/types.ts';
import { incidentTimes } from './incident-clock.ts';

/** The numbers the page shows: incidents nobody has accepted (未签收), aircraft alerts nobody has acknowledged. */
export interface DeskCounts {
  incidents: number;
  aircraft: number;
}

export const waitingForOfficer = (a: GroundAlertView) => a.state === 'open' || a.state === 'dispatched';

export function deskCounts(ground: Iterable<GroundAlertView>, aircraft: Iterable<AircraftAlertView>): DeskCounts {
  let incidents = 0;
  let alerts = 0;
  for (const a of ground) if (waitingForOfficer(a)) incidents++;
  for (const a of aircraft) if (a.acknowledgedBy === null) alerts++;
  return { incidents, aircraft: alerts };
}

/** Overdue first, then those nobody has accepted, then by priority, newest first. */
export function incidentOrder(list: Iterable<GroundAlertView>, now: number): GroundAlertView[] {
  const rank = (a: GroundAlertView) => (incidentTimes(a, now).overdue ? 0 : waitingForOfficer(a) ? 1 : 2);
  return [...list].sort((a, b) => rank(a) - rank(b) || a.priority - b.priority || b.createdAt - a.createdAt);
}

const SEVERITY_RANK = { warning: 0, caution: 1, info: 2 } as const;

/** Worse first: a condition that still holds before one that is over, then by severity, unacknowledged, newest. */
const worse = (a: AircraftAlertView, b: AircraftAlertView) =>
  Number(a.clearedAt !== null) - Number(b.clearedAt !== null) || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]
  || Number(a.acknowledgedBy !== null) - Number(b.acknowledgedBy !== null) || b.raisedAt - a.raisedAt;

export interface DroneAlerts {
  vehicleId: string;
  /** worst first */
  alerts: AircraftAlertView[];
  /** alerts whose condition is over and nobody acknowledged: what "acknowledge cleared" sends */
  clearedUnacknowledged: number[];
}

/** One group per drone, its worst alert on top; the drone with the worst alert first. */
export function byDrone(alerts: Iterable<AircraftAlertView>): DroneAlerts[] {
  const groups = new Map<string, AircraftAlertView[]>();
  for (const a of alerts) groups.set(a.vehicleId, [...(groups.get(a.vehicleId) ?? []), a]);
  return [...groups].map(([vehicleId, list]) => {
    const sorted = list.sort(worse);
    return { vehicleId, alerts: sorted, clearedUnacknowledged: sorted.filter((a) => a.clearedAt !== null && a.acknowledgedBy === null).map((a) => a.id) };
  }).sort((a, b) => worse(a.alerts[0]!, b.alerts[0]!) || a.vehicleId.localeCompare(b.vehicleId));
}
