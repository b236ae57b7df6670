/**
 * An incident's readable number: the station's code, the station's local day and a count within
 * that day, e.g. HF-20261202-003. Police read numbers like these out over the radio and write them
 * in reports, so they restart every day and never share a counter with aircraft alerts.
 */

export interface IncidentNumbering {
  /** the station's short code, e.g. "HF" (station.code) */
  code: string;
  /** IANA zone whose midnight starts a new day of numbers (station.timeZone) */
  timeZone: string;
}

export const DEFAULT_NUMBERING: IncidentNumbering = { code: 'JQ', timeZone: 'Asia/Shanghai' };

/** What station.code may be: what fits a radio call and a file name. */
export const STATION_CODE = /^[A-Z][A-Z0-9]{0,7}$/;

/** Whether the runtime knows this IANA zone name. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The station's calendar day of a moment, as YYYYMMDD. */
export function stationDay(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(ms);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}${part('month')}${part('day')}`;
}

/** The part of every number issued on that day at that station, e.g. "HF-20261202-". */
export function numberPrefix(n: IncidentNumbering, ms: number): string {
  return `${n.code}-${stationDay(ms, n.timeZone)}-`;
}

/** The count within the day, at least three digits (a busy day may pass 999 and simply grows). */
export const incidentNumber = (prefix: string, count: number) => `${prefix}${String(count).padStart(3, '0')}`;
