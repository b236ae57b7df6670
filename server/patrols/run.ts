import { distanceM } from '../missions/flight.ts';
import type { Route } from '../missions/model.ts';
import type { RunRow, RunStore, RunUpdate, StoredRunEvent } from '../store/runs.ts';
import type { ModeCause, ModeChange } from '../vehicles/mode-changes.ts';
import type { Vehicle } from '../vehicles/vehicle.ts';
import { english, said, term, type MessageParam, type ServerMessage } from '../wire/messages.ts';
import {
  RUN_ENDED,
  type Autopilot,
  type FlightMode,
  type PreflightItem,
  type ReturnedBy,
  type RunEvent,
  type RunOutcome,
  type RunState,
  type RunView,
} from '../wire/types.ts';
import type { InOrder } from '../in-order.ts';
import { batteryTrend, crossTrack, distanceLeft, MissionProgress, waypointsOf } from './progress.ts';

/** Speed for an ETA before the drone has shown its own. */
const DEFAULT_SPEED_MS = 5;
const BATTERY_WINDOW_MS = 60_000;
/** States in which the run's own mission is on the aircraft and started. */
const STARTED: RunState[] = ['climbing', 'flying', 'paused', 'returning'];

const returnedByText: Record<ReturnedBy, string> = {
  pilot: 'by the pilot',
  failsafe: 'a failsafe',
  unknown: "not commanded from here: the pilot's radio or the autopilot",
};

/** An outcome in words, as the record's result keeps it. */
export function resultText(o: RunOutcome): string {
  switch (o.kind) {
    case 'completed':
      return 'completed';
    case 'aborted':
      return o.reason;
    case 'failed':
      return `failed: ${o.reason}`;
    case 'returned_early': {
      return `returned early after item ${o.afterItem} of ${o.of} (${returnedByText[o.by]})`;
    }
  }
}

/** An outcome as the pages say it (its English is resultText's). */
export function outcomeSaid(o: RunOutcome): ServerMessage {
  switch (o.kind) {
    case 'completed':
      return said('run_completed');
    case 'aborted':
      return o.said ?? said('run_aborted', { reason: o.reason });
    case 'failed':
      return said('run_failed', { reason: o.said ?? o.reason });
    case 'returned_early':
      return said('run_returned_early', { item: o.afterItem, of: o.of, by: term(`returnedBy_${o.by}`, returnedByText[o.by]) });
  }
}

const stateOf = (o: RunOutcome): RunState => (o.kind === 'aborted' ? 'aborted' : o.kind === 'failed' ? 'failed' : 'landed');

/** Where a run's record is kept: the store, and the queue that writes it in order without making the flight wait. */
export interface RunBooks {
  store: RunStore;
  writes: InOrder;
}

/**
 * One patrol flight: its state, its figures as they accumulate, and its record in the database.
 * The launch sequence and commands live in Patrols; this only keeps the books. Its state here is
 * what the flight goes by; the record follows it, written in order in the background.
 */
export class PatrolRun {
  state: RunState;
  endedAt: number | null = null;
  result: string | null = null;
  outcome: RunOutcome | null = null;
  upload: RunView['upload'] = null;
  distanceFlownM = 0;
  maxAltM = 0;
  minBattery: number | null = null;
  takeoffAt: number | null = null;
  /** the drone left the ground during this run */
  airborne = false;
  /** where it is in its own mission */
  readonly progress: MissionProgress;
  /** what brought it back before its mission's end: the pilot, a failsafe, nobody known; or its own plan */
  returnedBy: ReturnedBy | 'plan' | null = null;
  offRouteM: number | null = null;
  /** the last change of mode seen in this run: into which mode, and why if something here can tell */
  modeCause: { mode: string; cause: ModeCause | null; failsafe: MessageParam | null } | null = null;
  /** its mode when last seen, to tell a change */
  private lastMode: { name: string; flight: FlightMode } | null = null;
  private lastPos: { lat: number; lon: number } | null = null;
  private battery: { t: number; pct: number }[] = [];
  private readonly events: RunEvent[];
  private lastSaved = 0;
  readonly waypoints;

  constructor(
    readonly id: number,
    readonly vehicleId: string,
    readonly route: Route,
    readonly pilot: string,
    readonly startedAt: number,
    state: RunState,
    readonly preflight: PreflightItem[],
    private readonly books: RunBooks,
    autopilot: Autopilot,
    events: RunEvent[] = [],
  ) {
    this.state = state;
    this.events = events;
    this.waypoints = waypointsOf(route, autopilot);
    this.progress = new MissionProgress(route, autopilot);
  }

  /** A run as the database keeps it (after a restart, or from the history). */
  static async load(row: RunRow, books: RunBooks, autopilot: Autopilot): Promise<PatrolRun> {
    return PatrolRun.restore(row, await books.store.events(row.id), books, autopilot);
  }

  /** The same with its events read already: a list of many runs reads all their events in one query. */
  static restore(row: RunRow, events: StoredRunEvent[], books: RunBooks, autopilot: Autopilot): PatrolRun {
    const pre = events.find((e) => e.kind === 'preflight')?.detail as PreflightItem[] | undefined;
    const run = new PatrolRun(
      row.id,
      row.vehicleId,
      JSON.parse(row.routeJson) as Route,
      row.pilot,
      row.startedAt,
      row.state,
      pre ?? [],
      books,
      autopilot,
      events.map(({ time, kind, message, said: what }) => (what ? { time, kind, message, said: what } : { time, kind, message })),
    );
    run.endedAt = row.endedAt;
    run.result = row.result;
    run.outcome = row.outcome;
    // Picked up in the air after a restart: the mission on board is this run's.
    if (STARTED.includes(row.state)) run.progress.follow();
    run.distanceFlownM = row.distanceM ?? 0;
    run.maxAltM = row.maxAltM ?? 0;
    run.minBattery = row.minBattery;
    run.airborne = run.maxAltM > 1;
    return run;
  }

  get ended(): boolean {
    return RUN_ENDED.includes(this.state);
  }

  /** Written after everything before it for this run; the flight does not wait for it. */
  private save(write: (store: RunStore) => Promise<void>): void {
    this.books.writes.queue(this.id, () => write(this.books.store));
  }

  private update(f: RunUpdate): void {
    this.save((store) => store.update(this.id, f));
  }

  /** An event of the run: its code and parameters for the pages, its English for the record. */
  event(kind: string, what: ServerMessage, detail?: unknown): void {
    const e: RunEvent = { time: Date.now(), kind, message: english(what), said: what };
    this.events.push(e);
    this.save((store) => store.event(this.id, { ...e, detail }));
  }

  setState(state: RunState, what?: ServerMessage): void {
    if (state === this.state) return;
    this.state = state;
    this.update({ state });
    this.event('state', what ?? said('run_state', { state: term(`run_${state}`, state) }));
  }

  finish(outcome: RunOutcome): void {
    this.outcome = outcome;
    this.result = resultText(outcome);
    this.endedAt = Date.now();
    this.update({
      result: this.result,
      outcome,
      endedAt: this.endedAt,
      distanceM: this.distanceFlownM,
      maxAltM: this.maxAltM,
      minBattery: this.minBattery,
    });
    this.setState(stateOf(outcome), said('run_ended', { result: outcomeSaid(outcome) }));
  }

  /** The change of flight mode since the last look, if any. */
  modeChange(v: Vehicle): ModeChange | null {
    const now = { name: v.mode, flight: v.flightMode };
    const before = this.lastMode;
    this.lastMode = now;
    return before && before.name !== now.name ? { fromName: before.name, toName: now.name, from: before.flight, to: now.flight } : null;
  }

  /** Fold one telemetry update into the run's figures. */
  observe(v: Vehicle, now: number): void {
    const pos = v.position;
    if (pos && v.armed) {
      if (this.lastPos) this.distanceFlownM += distanceM(this.lastPos, pos);
      this.lastPos = { lat: pos.lat, lon: pos.lon };
      this.maxAltM = Math.max(this.maxAltM, pos.altRel);
      if (!this.airborne && pos.altRel > 1) {
        this.airborne = true;
        this.takeoffAt = now;
      }
    }
    const pct = v.battery?.percent;
    if (pct != null) {
      this.minBattery = this.minBattery === null ? pct : Math.min(this.minBattery, pct);
      this.battery.push({ t: now, pct });
      while (this.battery.length > 2 && now - this.battery[0]!.t > BATTERY_WINDOW_MS) this.battery.shift();
    }
    if (now - this.lastSaved > 5000) {
      this.lastSaved = now;
      this.update({ distanceM: this.distanceFlownM, maxAltM: this.maxAltM, minBattery: this.minBattery });
    }
  }

  /** Metres off the current leg (null when it cannot be told). */
  crossTrack(v: Vehicle): number | null {
    const seq = this.progress.current;
    if (!v.position || seq === null) return null;
    return crossTrack(this.waypoints, seq, v.position, v.home);
  }

  /**
   * Metres still to fly: the route from the current item on, which ends at home or its landing
   * place. Returning in a mode of its own (recalled, a failsafe, PX4's Return) only the way home
   * counts, as it skips the rest of the route; landing where it is, nothing.
   */
  private distanceLeft(v: Vehicle | undefined): number | null {
    const seq = this.progress.current;
    if (this.ended || !v?.position) return null;
    if (this.state === 'returning' && v.flightMode !== 'mission') {
      if (v.flightMode === 'land') return 0;
      return v.home ? distanceM(v.position, v.home) : null;
    }
    return seq === null ? null : distanceLeft(this.waypoints, seq, v.position, v.home);
  }

  view(v: Vehicle | undefined): RunView {
    const seq = this.progress.current;
    const left = this.distanceLeft(v);
    const speed = v?.groundSpeed && v.groundSpeed > 1 ? v.groundSpeed : DEFAULT_SPEED_MS;
    return {
      id: this.id,
      vehicleId: this.vehicleId,
      routeId: this.route.id,
      routeName: { zh: this.route.meta.nameZh || this.route.id, en: this.route.meta.nameEn || this.route.id },
      station: this.route.meta.station,
      pilot: this.pilot,
      state: this.state,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      upload: this.state === 'uploading' ? this.upload : null,
      leg: seq !== null ? { seq, total: this.waypoints.total, ...this.progress.item(seq) } : null,
      distanceFlownM: Math.round(this.distanceFlownM),
      distanceLeftM: left === null ? null : Math.round(left),
      etaS: left === null ? null : Math.round(left / speed),
      timeAloftS: this.takeoffAt ? Math.round(((this.endedAt ?? Date.now()) - this.takeoffAt) / 1000) : 0,
      battery: { percent: v?.battery?.percent ?? null, trendPerMin: batteryTrend(this.battery) },
      maxAltM: Math.round(this.maxAltM * 10) / 10,
      minBattery: this.minBattery,
      result: this.result,
      outcome: this.outcome,
      preflight: this.preflight,
      events: [...this.events],
    };
  }
}
