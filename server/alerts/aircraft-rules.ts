import { common, minimal } from 'node-mavlink';
import { explainModeChange, type ModeChange } from '../vehicles/mode-changes.ts';
import { Part, type Vehicle } from '../vehicles/vehicle.ts';
import { english, moment, said, term, verbatim, type ServerMessage } from '../wire/messages.ts';
import type { AlertSeverity, FlightMode } from '../wire/types.ts';

/** Per-station thresholds; every level has a clear level a few points away so nothing flaps. */
export interface AlertThresholds {
  batteryLowPercent: number;
  batteryCriticalPercent: number;
  /** a battery alert clears only this many percent above its level */
  batteryHysteresisPercent: number;
  minSatellites: number;
  maxHdop: number;
  /** legal ceiling above home, metres */
  ceilingM: number;
  /** a GPS condition must hold this long before it is raised (brief dropouts are normal) */
  gpsGraceMs: number;
  /** a mode change within this long after our own command is expected */
  commandedModeWindowMs: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  batteryLowPercent: 30,
  batteryCriticalPercent: 15,
  batteryHysteresisPercent: 5,
  minSatellites: 6,
  maxHdop: 2.5,
  ceilingM: 120,
  gpsGraceMs: 3000,
  commandedModeWindowMs: 10_000,
};

export interface Condition {
  severity: AlertSeverity;
  /** what it says, for the pages to say in their language */
  said: ServerMessage;
  /** the same in English: the alert's text in the API, the database and the logs */
  message: string;
}

export function condition(severity: AlertSeverity, what: ServerMessage): Condition {
  return { severity, said: what, message: english(what) };
}

/** A mode as the pages name it (what it does), with the firmware's own name for the English. */
export const modeTerm = (flight: FlightMode, name: string) => term(`flightMode_${flight}`, name);

/** A level rule: holds while its condition holds. `wasActive` lets it clear at a different level. */
export interface LevelRule {
  rule: string;
  /** the Part flags of the state it reads: it is checked again only when one of them changes */
  reads: number;
  /** hold time before raising, ms */
  graceMs?: (t: AlertThresholds) => number;
  check(v: Vehicle, t: AlertThresholds, wasActive: boolean): Condition | null;
}

const FIX_3D = common.GpsFixType.GPS_FIX_TYPE_3D_FIX;

export const LEVEL_RULES: LevelRule[] = [
  {
    rule: 'battery_critical',
    reads: Part.BATTERY,
    check(v, t, was) {
      const p = v.battery?.percent;
      if (p == null) return null;
      const limit = was ? t.batteryCriticalPercent + t.batteryHysteresisPercent : t.batteryCriticalPercent;
      return p <= limit ? condition('warning', said('alert_battery_critical', { percent: p })) : null;
    },
  },
  {
    rule: 'battery_low',
    reads: Part.BATTERY,
    check(v, t, was) {
      const p = v.battery?.percent;
      if (p == null || p <= t.batteryCriticalPercent) return null; // the critical alert says it louder
      const limit = was ? t.batteryLowPercent + t.batteryHysteresisPercent : t.batteryLowPercent;
      return p <= limit ? condition('caution', said('alert_battery_low', { percent: p })) : null;
    },
  },
  {
    rule: 'link_lost',
    reads: Part.LINK,
    check: (v) => (v.lost ? condition('warning', said('alert_link_lost', { time: moment(v.lastHeartbeat) })) : null),
  },
  {
    rule: 'gps_lost',
    reads: Part.GPS | Part.STATE,
    graceMs: (t) => t.gpsGraceMs,
    check(v) {
      // Only a GPS that had a fix can be lost: a drone still acquiring at boot is not an alert.
      if (!v.everHadFix || !v.gps || v.gps.fix >= FIX_3D) return null;
      return condition(v.armed ? 'warning' : 'caution', said('alert_gps_lost', { fix: term(`gpsFix${v.gps.fix}`, v.gps.fixName) }));
    },
  },
  {
    rule: 'gps_degraded',
    reads: Part.GPS | Part.STATE,
    graceMs: (t) => t.gpsGraceMs,
    check(v, t) {
      if (!v.armed || !v.gps || v.gps.fix < FIX_3D) return null;
      const sats = v.gps.satellites;
      const hdop = v.gps.hdop;
      if (sats != null && sats < t.minSatellites) return condition('caution', said('alert_gps_satellites', { satellites: sats }));
      if (hdop != null && hdop > t.maxHdop) return condition('caution', said('alert_gps_hdop', { hdop: hdop.toFixed(1) }));
      return null;
    },
  },
  {
    rule: 'failsafe',
    reads: Part.STATE,
    check(v) {
      const s = v.systemStatus;
      if (s !== minimal.MavState.CRITICAL && s !== minimal.MavState.EMERGENCY) return null;
      const status = s === minimal.MavState.CRITICAL ? 'CRITICAL' : 'EMERGENCY';
      return condition('warning', said('alert_failsafe', { status: term(`state_${status}`, status), mode: modeTerm(v.flightMode, v.mode) }));
    },
  },
  {
    rule: 'altitude_ceiling',
    reads: Part.POSITION,
    check(v, t, was) {
      const alt = v.position?.altRel;
      if (alt == null) return null;
      return alt > (was ? t.ceilingM - 5 : t.ceilingM) ? condition('warning', said('alert_ceiling', { ceiling: t.ceilingM, alt: alt.toFixed(0) })) : null;
    },
  },
];

/**
 * A mode change that neither this station asked for, nor the mission of a patrol of ours
 * explains, nor came on the ground after a flight (vehicles/mode-changes.ts); into a return or
 * a landing it is usually a failsafe. `landed`: the aircraft flew and is disarmed again.
 */
export function unexpectedModeChange(v: Vehicle, c: ModeChange, landed: boolean, t: AlertThresholds): Condition | null {
  if (c.fromName === 'UNKNOWN') return null;
  if (explainModeChange(v, c, { now: Date.now(), commandWindowMs: t.commandedModeWindowMs, landed })) return null;
  const severity = c.to === 'return' || c.to === 'land' ? 'warning' : 'caution';
  return condition(severity, said('alert_mode_change', { from: modeTerm(c.from, c.fromName), to: modeTerm(c.to, c.toName) }));
}

/** Autopilot STATUSTEXT of severity WARNING (4) or worse. */
export function autopilotMessage(severity: number, text: string): Condition | null {
  if (severity > common.MavSeverity.WARNING) return null;
  return condition(severity <= common.MavSeverity.CRITICAL ? 'warning' : 'caution', said('alert_autopilot', { text: verbatim(text) }));
}
