import { common, minimal } from 'node-mavlink';
import { explainModeChange, type ModeChange } from '../vehicles/mode-changes.ts';
import { Part, type Vehicle } from '../vehicles/vehicle.ts';
import type { AlertSeverity } from '../wire/types.ts';

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
  message: string;
}

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
      return p <= limit ? { severity: 'warning', message: `battery critical: ${p}% (land now)` } : null;
    },
  },
  {
    rule: 'battery_low',
    reads: Part.BATTERY,
    check(v, t, was) {
      const p = v.battery?.percent;
      if (p == null || p <= t.batteryCriticalPercent) return null; // the critical alert says it louder
      const limit = was ? t.batteryLowPercent + t.batteryHysteresisPercent : t.batteryLowPercent;
      return p <= limit ? { severity: 'caution', message: `battery low: ${p}%` } : null;
    },
  },
  {
    rule: 'link_lost',
    reads: Part.LINK,
    check: (v) => (v.lost ? { severity: 'warning', message: `link lost: last heartbeat at ${new Date(v.lastHeartbeat).toISOString().slice(11, 19)} UTC` } : null),
  },
  {
    rule: 'gps_lost',
    reads: Part.GPS | Part.STATE,
    graceMs: (t) => t.gpsGraceMs,
    check(v) {
      // Only a GPS that had a fix can be lost: a drone still acquiring at boot is not an alert.
      if (!v.everHadFix || !v.gps || v.gps.fix >= FIX_3D) return null;
      return { severity: v.armed ? 'warning' : 'caution', message: `GPS lost: ${v.gps.fixName}` };
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
      if (sats != null && sats < t.minSatellites) return { severity: 'caution', message: `GPS degraded: ${sats} satellites` };
      if (hdop != null && hdop > t.maxHdop) return { severity: 'caution', message: `GPS degraded: HDOP ${hdop.toFixed(1)}` };
      return null;
    },
  },
  {
    rule: 'failsafe',
    reads: Part.STATE,
    check(v) {
      const s = v.systemStatus;
      if (s !== minimal.MavState.CRITICAL && s !== minimal.MavState.EMERGENCY) return null;
      return { severity: 'warning', message: `failsafe: autopilot reports ${s === minimal.MavState.CRITICAL ? 'CRITICAL' : 'EMERGENCY'} in ${v.mode}` };
    },
  },
  {
    rule: 'altitude_ceiling',
    reads: Part.POSITION,
    check(v, t, was) {
      const alt = v.position?.altRel;
      if (alt == null) return null;
      return alt > (was ? t.ceilingM - 5 : t.ceilingM) ? { severity: 'warning', message: `above the ${t.ceilingM} m ceiling: ${alt.toFixed(0)} m` } : null;
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
  return { severity, message: `mode changed on its own: ${c.fromName} → ${c.toName}` };
}

/** Autopilot STATUSTEXT of severity WARNING (4) or worse. */
export function autopilotMessage(severity: number, text: string): Condition | null {
  if (severity > common.MavSeverity.WARNING) return null;
  return { severity: severity <= common.MavSeverity.CRITICAL ? 'warning' : 'caution', message: `autopilot: ${text}` };
}
