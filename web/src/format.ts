/** Turns telemetry numbers into the short texts the list and panel show; "—" marks unknown. */

import { t, tOptional } from './i18n.ts';

const unknown = '—';

/** unit '' for plain counts */
export function num(value: number | null | undefined, digits: number, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return unknown;
  return unit ? `${value.toFixed(digits)} ${unit}` : value.toFixed(digits);
}

export function coordinates(lat: number, lon: number): string {
  return `${lat.toFixed(6)}, ${lon.toFixed(6)}`;
}

/** Age of a timestamp relative to now, never negative (the wall screen's clock may lag the server's). */
export function age(timeMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - timeMs) / 1000));
  if (seconds < 120) return t('ageSeconds', { n: seconds });
  if (seconds < 7200) return t('ageMinutes', { n: Math.floor(seconds / 60) });
  return t('ageHours', { n: Math.floor(seconds / 3600) });
}

export function clockTime(timeMs: number): string {
  const d = new Date(timeMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** "21:30" in local time, for times of day such as a patrol's schedule. */
export function hoursMinutes(timeMs: number): string {
  const d = new Date(timeMs);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** GPS_FIX_TYPE by number (0..8 are defined by MAVLink); the server's name for anything newer. */
export function gpsFix(fix: number, fixName: string): string {
  return fix >= 0 && fix <= 8 ? tOptional(`gpsFix${fix}`, fixName) : fixName;
}

/** MAV_STATE name as sent by the server, translated when known. */
export function systemState(name: string): string {
  return tOptional(`state_${name}`, name);
}

export function severity(level: number): string {
  return tOptional(`severity${level}`, String(level));
}

/** "850 m", "12.4 km"; unknown as "—". */
export function distance(metres: number | null | undefined): string {
  if (metres === null || metres === undefined || !Number.isFinite(metres)) return unknown;
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(1)} km`;
}

/** "4:05", "1:02:30"; unknown as "—". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return unknown;
  const s = Math.max(0, Math.round(seconds));
  const mm = String(Math.floor((s % 3600) / 60));
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm.padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** "2024-05-03 21:40" in local time, for records of past days. */
export function dateTime(timeMs: number): string {
  const d = new Date(timeMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
