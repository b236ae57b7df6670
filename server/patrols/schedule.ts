/**
 * Route schedules as stations write them in the route's "schedule" text, in Chinese or English:
 *   "nightly 21:30", "每晚 21:30 / nightly 21:30", "20:00, 22:00, 00:30",
 *   "19:00-02:00 every 2h", "19:00-02:00 每2小时", "21:00~23:00 every 30 min"
 * Times are the station's local time (the service's time zone). A range without an interval
 * means its start only.
 */
import { english, said, type ServerMessage } from '../wire/messages.ts';

export interface Schedule {
  /** minutes after local midnight, sorted */
  times: number[];
}

const TIME = /([01]?\d|2[0-3])[:：]([0-5]\d)/g;
const RANGE = /([01]?\d|2[0-3])[:：]([0-5]\d)\s*(?:-|–|—|~|～|至|到|to)\s*([01]?\d|2[0-3])[:：]([0-5]\d)/;
const EVERY = /(?:every|每)\s*(\d+(?:\.\d+)?)\s*(h|hours?|hrs?|小时|个小时|min|mins|minutes?|分钟)/i;

/** A schedule that cannot be read: what is wrong with it, said in the page's language. */
export class ScheduleError extends Error {
  constructor(readonly said: ServerMessage) {
    super(english(said));
  }
}

/** Parse a schedule; null for an empty text; throws a ScheduleError with the reason for one it cannot read. */
export function parseSchedule(text: string): Schedule | null {
  const t = text.trim();
  if (!t) return null;
  const range = RANGE.exec(t);
  const every = EVERY.exec(t);
  let times: number[];
  if (range && every) {
    const step = Number(every[1]) * (/^(h|hour|hr|小|个)/i.test(every[2]!) ? 60 : 1);
    if (step < 10) throw new ScheduleError(said('schedule_interval_short', { schedule: t, minutes: step }));
    const start = Number(range[1]) * 60 + Number(range[2]);
    let end = Number(range[3]) * 60 + Number(range[4]);
    if (end <= start) end += 24 * 60; // through midnight, as night patrols go
    times = [];
    for (let m = start; m <= end; m += step) times.push(m % (24 * 60));
  } else {
    times = [...t.matchAll(TIME)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  }
  if (times.length === 0) throw new ScheduleError(said('schedule_no_time', { schedule: t }));
  return { times: [...new Set(times)].sort((a, b) => a - b) };
}

/** Occurrences of a schedule between two instants (local time). */
export function occurrences(s: Schedule, from: number, to: number): number[] {
  const out: number[] = [];
  const day = new Date(from);
  day.setHours(0, 0, 0, 0);
  for (let d = day.getTime() - 86_400_000; d <= to;) {
    for (const m of s.times) {
      const at = new Date(d);
      at.setHours(Math.floor(m / 60), m % 60, 0, 0);
      const t = at.getTime();
      if (t >= from && t <= to) out.push(t);
    }
    const next = new Date(d);
    next.setDate(next.getDate() + 1); // calendar days, right across daylight-saving changes
    d = next.getTime();
  }
  return out.sort((a, b) => a - b);
}
