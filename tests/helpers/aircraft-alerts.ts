/**
 * Aircraft alerts as the monitor raises them, without flying for them: what the pages see comes
 * from the monitor (kept in memory, written behind), so a test raises through it, not the store.
 */
import { condition, modeTerm, type Condition } from '../../server/alerts/aircraft-rules.ts';
import type { AircraftMonitor } from '../../server/alerts/aircraft-monitor.ts';
import { moment, said, term } from '../../server/wire/messages.ts';

/** Each level rule's condition as its check gives it, with plausible figures. */
const CONDITIONS = {
  battery_low: () => condition('caution', said('alert_battery_low', { percent: 28 })),
  battery_critical: () => condition('warning', said('alert_battery_critical', { percent: 12 })),
  failsafe: () => condition('warning', said('alert_failsafe', { status: term('state_CRITICAL', 'CRITICAL'), mode: modeTerm('return', 'RTL') })),
  gps_degraded: () => condition('caution', said('alert_gps_satellites', { satellites: 5 })),
  link_lost: () => condition('warning', said('alert_link_lost', { time: moment(Date.now()) })),
} satisfies Record<string, () => Condition>;

export type LevelRuleName = keyof typeof CONDITIONS;

/**
 * Raise `rule` on a drone the fleet does not have (no telemetry clears it), and clear it at once
 * if `cleared` (over, not acknowledged yet). Returns the alert's id.
 */
export function raiseAlert(monitor: AircraftMonitor, vehicleId: string, rule: LevelRuleName, cleared = false): number {
  monitor.setExternal({ id: vehicleId }, rule, CONDITIONS[rule]());
  const raised = monitor.open().find((a) => a.vehicleId === vehicleId && a.rule === rule && a.clearedAt === null);
  if (!raised) throw new Error(`${vehicleId}/${rule}: not raised (is it raised already?)`);
  if (cleared) monitor.setExternal({ id: vehicleId }, rule, null);
  return raised.id;
}
