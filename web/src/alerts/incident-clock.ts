/**
 * The dispatch desk's clocks: how long each incident has existed and has been in its state, and
 * whether it is overdue (nobody accepted it by GroundAlertView.overdueAt, which the service sets
 * escalateAfterS after it was raised or the dispatcher last sent it on). An overdue incident rings
 * the desk's bell once: a bell that keeps ringing gets switched off, one that rings once is heard.
 *
 * Time comes from a clock passed in, so the tests move it by hand (tests/web/incident-clock.test.ts).
 */

import type { GroundAlertView } from '../../../server/wire/types.ts';

/** What the desk needs of a clock (the browser's by default; a fake one in tests). */
export interface DeskTime {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const browserTime: DeskTime = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => window.setTimeout(fn, ms),
  clearTimeout: (handle) => window.clearTimeout(handle as number),
};

export interface IncidentTimes {
  /** seconds since it was raised */
  ageS: number;
  /** seconds in its present state */
  stateS: number;
  /** nobody has accepted it and its time is up */
  overdue: boolean;
}

/** The card's clocks at `now`; never negative (the screen's clock may lag the service's). */
export function incidentTimes(a: GroundAlertView, now: number): IncidentTimes {
  const seconds = (from: number) => Math.max(0, Math.floor((now - from) / 1000));
  return { ageS: seconds(a.createdAt), stateS: seconds(a.stateSince), overdue: a.overdueAt !== null && now >= a.overdueAt };
}

/**
 * Ticks once a second for the cards' clocks and rings once for each incident that becomes overdue
 * (also one already overdue when the page opens: the dispatcher has not heard of it yet).
 */
export class DeskClock {
  private readonly rung = new Set<number>();
  private handle: unknown = null;

  constructor(
    private readonly time: DeskTime,
    /** the incidents on the desk now */
    private readonly incidents: () => Iterable<GroundAlertView>,
    /** the bell: called once per incident that turns overdue */
    private readonly ring: (incident: GroundAlertView) => void,
    /** each tick, with the time, for the views to redraw their clocks */
    private readonly tick: (now: number) => void,
  ) {}

  start(): void {
    this.stop();
    this.step();
  }

  stop(): void {
    if (this.handle !== null) this.time.clearTimeout(this.handle);
    this.handle = null;
  }

  /** Look now (also called when the incidents change, so a bell does not wait for the next tick). */
  check(): void {
    const now = this.time.now();
    for (const a of this.incidents()) {
      if (!this.rung.has(a.id) && incidentTimes(a, now).overdue) {
        this.rung.add(a.id);
        this.ring(a);
      }
    }
  }

  private step(): void {
    const now = this.time.now();
    this.check();
    this.tick(now);
    // On the second, so every card's clock moves together; and at the moment an incident turns
    // overdue, so the bell is not up to a second late.
    let wait = 1000 - (now % 1000);
    for (const a of this.incidents()) {
      if (a.overdueAt !== null && a.overdueAt > now && !this.rung.has(a.id)) wait = Math.min(wait, a.overdueAt - now);
    }
    this.handle = this.time.setTimeout(() => this.step(), wait);
  }
}
