import { EventEmitter } from 'node:events';
import { common, minimal } from 'node-mavlink';
import type { AircraftMonitor } from '../alerts/aircraft-monitor.ts';
import { realClock } from '../clock.ts';
import { condition, modeTerm } from '../alerts/aircraft-rules.ts';
import type { MissionClient, RouteUploadResult } from '../missions/protocol/client.ts';
import type { Route } from '../missions/model.ts';
import type { RouteStore } from '../missions/store.ts';
import type { Logger } from '../log.ts';
import { Refusal, type RefusalKind } from '../refusal.ts';
import type { RunRow, RunStore } from '../store/runs.ts';
import type { ActionOutcome, Actions } from '../vehicles/actions.ts';
import { profileOf } from '../vehicles/autopilots/index.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import { explainModeChange } from '../vehicles/mode-changes.ts';
import type { Vehicle } from '../vehicles/vehicle.ts';
import { english, moment, said, term, verbatim, type MessageParam, type ServerMessage } from '../wire/messages.ts';
import type { Autopilot, PreflightItem, RunOutcome, RunView } from '../wire/types.ts';
import { airborne, armPatiently } from './arming.ts';
import type { ControlRegistry } from './control.ts';
import { InOrder, stderrLog } from '../in-order.ts';
import { blocking, MISSION_CHECKS, preflight, type StationRules } from './preflight.ts';
import { PatrolRun, type RunBooks } from './run.ts';

/** A refused launch or patrol action; a launch refused by its checks carries them. */
export class PatrolError extends Refusal {
  constructor(kind: RefusalKind, why: string | ServerMessage, readonly preflight?: PreflightItem[]) {
    super(kind, why);
  }
}

/** Checks that stopped a launch, each named and with what it found: "battery (20% (need 50%))" in English. */
const checkTerm = (id: string) => term(`check_${id}`, id);

export const failedChecks = (items: PreflightItem[], name = checkTerm): ServerMessage[] =>
  items.map((i) => said('check_failed_item', { check: name(i.id), value: i.said ?? i.value }));

export const ACTIONS = ['pause', 'resume', 'rtl', 'land', 'abort'] as const;
export type PatrolAction = (typeof ACTIONS)[number];

export interface PatrolTiming {
  /** keep asking to arm this long while the autopilot says it is not ready (EKF warm-up: 20-40 s) */
  armTimeoutMs: number;
  armRetryMs: number;
  /** after MISSION_START the drone must have climbed 2 m within this long */
  climbTimeoutMs: number;
  /** off the leg by more than this raises an alert */
  offRouteM: number;
}

export const DEFAULT_TIMING: PatrolTiming = { armTimeoutMs: 90_000, armRetryMs: 3000, climbTimeoutMs: 30_000, offRouteM: 50 };

export interface PatrolDeps {
  fleet: Fleet;
  actions: Actions;
  missions: MissionClient;
  routes: RouteStore;
  runs: RunStore;
  control: ControlRegistry;
  aircraft: AircraftMonitor;
  rules: StationRules;
  /** the autopilot a drone had when last seen (for runs picked up after a restart) */
  autopilotOf: (vehicleId: string) => Autopilot;
  timing?: Partial<PatrolTiming>;
  /** where a run's record that could not be written is told (standard error by default) */
  log?: Logger;
}

/** A STATUSTEXT this recent that speaks of a failsafe tells why the aircraft turned back. */
const FAILSAFE_TEXT_MS = 10_000;

/**
 * Launching and running patrols: preflight, upload and verify, the autopilot's start sequence,
 * then watching the flight until the drone has landed and disarmed. Every step is an event of
 * the run, every run is in the database, and runs in the air are picked up again after a restart.
 */
export class Patrols extends EventEmitter<{ run: [RunView] }> {
  private readonly runs = new Map<number, PatrolRun>();
  private readonly timing: PatrolTiming;
  private readonly lastEmit = new Map<number, number>();
  /** per run: stop hearing its vehicle's mission reports */
  private readonly unfollow = new Map<number, () => void>();
  private readonly onChanged = (v: Vehicle) => this.observe(v);
  /** each run's record, written in order behind its flight */
  private readonly books: RunBooks;
  /** drones whose launch is being recorded: a second launch of one is refused meanwhile */
  private readonly launching = new Set<string>();

  constructor(private readonly d: PatrolDeps) {
    super();
    this.timing = { ...DEFAULT_TIMING, ...d.timing };
    this.books = { store: d.runs, writes: new InOrder(d.log ?? stderrLog, (id) => `run ${id}: its record not written`) };
    d.fleet.on('changed', this.onChanged);
    d.fleet.on('lost', (v) => this.activeFor(v.id)?.event('link', said('run_link_lost')));
    d.fleet.on('regained', (v) => this.activeFor(v.id)?.event('link', said('run_link_regained')));
  }

  /**
   * Runs that were not finished when the service stopped. They are watched again as soon as
   * their drone is heard; a launch sequence cut off by the restart is not resumed (a pilot decides).
   */
  async resume(now = Date.now(), serves: (vehicleId: string) => boolean = () => true): Promise<void> {
    for (const row of await this.d.runs.active()) {
      // In a city: only the runs of drones whose link this node serves, and each once.
      if (!serves(row.vehicleId) || this.runs.get(row.id)?.ended === false) continue;
      const run = await PatrolRun.load(row, this.books, this.d.autopilotOf(row.vehicleId));
      run.event('restart', said('run_restarted', { time: moment(now), vehicle: row.vehicleId }));
      this.runs.set(run.id, run);
      if (['uploading', 'arming', 'starting'].includes(row.state))
        this.end(run, { kind: 'failed', reason: 'the service restarted during the launch', said: said('run_failed_restart') }, false);
      else this.follow(run);
    }
  }

  /**
   * Another node of the city serves these drones' link now: their runs are followed there (picked up
   * by its resume()), so this node lets go of them without ending them.
   */
  letGo(serves: (vehicleId: string) => boolean): void {
    for (const run of this.runs.values()) {
      if (run.ended || !serves(run.vehicleId)) continue;
      this.unfollow.get(run.id)?.();
      this.unfollow.delete(run.id);
      this.runs.delete(run.id);
    }
  }

  activeFor(vehicleId: string): PatrolRun | undefined {
    for (const r of this.runs.values()) if (r.vehicleId === vehicleId && !r.ended) return r;
    return undefined;
  }

  private vehicle(id: string): Vehicle {
    const v = this.d.fleet.get(id);
    if (!v) throw new PatrolError('not_found', said('vehicle_unknown', { vehicle: id }));
    return v;
  }

  private route(id: string): Route {
    const e = this.d.routes.get(id);
    if (!e) throw new PatrolError('not_found', said('route_unknown', { route: id }));
    if (!e.route) throw new PatrolError('unprocessable', said('route_cannot_fly', { route: id, problems: e.issues.map((i) => i.said ?? i.message) }));
    return e.route;
  }

  checks(vehicleId: string, routeId: string, pilot: string): PreflightItem[] {
    const v = this.vehicle(vehicleId);
    return preflight({
      vehicle: v,
      route: this.route(routeId),
      rules: this.d.rules,
      pilot,
      controller: this.d.control.holder(v.id),
      activeRun: this.activeFor(v.id)?.id ?? null,
    });
  }

  /**
   * Start a patrol; resolves with the run as soon as its record exists (the launch goes on in the
   * background). Nothing is sent to the drone before: a launch the database cannot record is refused.
   */
  async launch(vehicleId: string, routeId: string, pilot: string, overrides: string[] = []): Promise<PatrolRun> {
    const v = this.vehicle(vehicleId);
    const route = this.route(routeId);
    const items = preflight({
      vehicle: v,
      route,
      rules: this.d.rules,
      pilot,
      controller: this.d.control.holder(v.id),
      activeRun: this.activeFor(v.id)?.id ?? null,
    });
    const unknown = overrides.filter((o) => !items.some((i) => i.id === o && i.overridable));
    if (unknown.length)
      throw new PatrolError(
        'invalid',
        said('override_unknown', { unknown: unknown.map(checkTerm), allowed: items.filter((i) => i.overridable).map((i) => checkTerm(i.id)) }),
        items,
      );
    const blocked = blocking(items, overrides);
    if (blocked.length) {
      throw new PatrolError('conflict', said('preflight_failed', { checks: failedChecks(blocked) }), items);
    }
    // Its checks passed now: no second launch of this drone may pass them while the record is written.
    if (this.launching.has(v.id)) throw new PatrolError('conflict', `${v.id} is being launched on a patrol already: wait for its run`);
    this.launching.add(v.id);
    const startedAt = Date.now();
    let id: number;
    try {
      id = await this.d.runs.create({ vehicleId: v.id, routeId: route.id, routeJson: JSON.stringify(route), pilot, state: 'uploading', startedAt });
    } finally {
      this.launching.delete(v.id);
    }
    const run = new PatrolRun(id, v.id, route, pilot, startedAt, 'uploading', items, this.books, v.autopilot);
    const overridden = items.filter((i) => i.overridden).map((i) => term(`check_${i.id}`, i.id));
    run.event('preflight', overridden.length ? said('run_preflight_overridden', { checks: overridden }) : said('run_preflight_passed'), items);
    this.runs.set(id, run);
    this.follow(run);
    this.emitRun(run, true);
    void this.fly(run, v).catch((err: Error) => {
      if (!run.ended) this.end(run, { kind: 'failed', reason: err.message, said: said('run_failed_error', { reason: err.message }) });
      else this.emitRun(run, true);
    });
    return run;
  }

  /**
   * Replace the mission on a drone without launching it. Refused while the drone flies a patrol
   * (replacing its mission mid-air leaves it at item 0, off its route) or is armed, and when the
   * route fails a check of MISSION_CHECKS, or the pilot does not hold the drone; nothing is sent
   * then. The caller has checked role and confirmation. A success was read back identical.
   */
  async uploadMission(vehicleId: string, routeId: string, pilot: string): Promise<{ preflight: PreflightItem[]; result: RouteUploadResult }> {
    const v = this.vehicle(vehicleId);
    const route = this.route(routeId);
    this.d.control.require(v.id, pilot);
    const run = this.activeFor(v.id);
    if (run)
      throw new PatrolError(
        'conflict',
        said('patrol_flying', { vehicle: v.id, run: run.id, route: run.route.id, state: term(`run_${run.state}`, run.state) }),
      );
    const items = preflight({ vehicle: v, route, rules: this.d.rules, pilot, controller: this.d.control.holder(v.id), activeRun: null })
      .filter((i) => MISSION_CHECKS.includes(i.id));
    const failing = items.filter((i) => !i.pass);
    if (failing.length) throw new PatrolError('conflict', said('mission_checks_failed', { checks: failedChecks(failing) }), items);
    return { preflight: items, result: await this.d.missions.uploadRoute(v, route) };
  }

  /** The launch sequence, up to a confirmed climb. */
  private async fly(run: PatrolRun, v: Vehicle): Promise<void> {
    const stop = (why: string, what: ServerMessage) => this.end(run, { kind: 'failed', reason: why, said: what });
    const up = await this.d.missions.uploadRoute(v, run.route, {
      onProgress: (p) => {
        run.upload = { type: p.type, done: p.done, total: p.total };
        this.emitRun(run);
      },
    });
    if (run.ended) return; // aborted meanwhile
    if (up.kind !== 'success') return stop(up.message, said('run_failed_upload', { reason: term(`uploadFailure_${up.kind}`, up.message) }));
    run.event('upload', said('run_uploaded', { route: run.route.id, vehicle: v.id, parts: up.verified.map((part) => term(`part_${part}`, part)) }));

    run.setState('arming');
    this.emitRun(run, true);
    // The autopilot's own start sequence (ArduPilot: GUIDED, arm, MISSION_START; PX4: Mission, arm).
    const start = await profileOf(v.autopilot).startMission(v.type, {
      setMode: (name) => this.d.actions.setMode(v, name),
      arm: () => this.armPatiently(run, v),
      missionStart: () => this.d.actions.missionStart(v),
      starting: () => {
        run.setState('starting', said('run_starting_mission'));
        this.emitRun(run, true);
      },
      ended: () => run.ended,
    });
    // The autopilot's refusal, in its own terms (a mode name, its answer, its texts).
    if (!start.started) return start.said === undefined ? undefined : stop(english(start.said), said('run_failed_start', { reason: start.said }));
    // Its own mission is on board and started: from now on what the autopilot says of it counts.
    run.progress.follow();
    run.setState('climbing');
    this.emitRun(run, true);
    const climbing = await this.d.actions.waitFor(v, () => airborne(v), this.timing.climbTimeoutMs);
    if (run.ended) return;
    if (!climbing) {
      const notClimbing = said('run_failed_climb', {
        seconds: this.timing.climbTimeoutMs / 1000,
        alt: v.position?.altRel.toFixed(1) ?? '?',
        armed: v.armed ? term('armed_yes', 'armed') : term('armed_no', 'disarmed'),
      });
      return stop(english(notClimbing), notClimbing);
    }
    run.setState('flying', said('run_airborne', { alt: v.position!.altRel.toFixed(1) }));
    this.emitRun(run, true);
  }

  /** Arm with the start sequence a goto shares (arming.ts); each attempt is an event of the run. */
  private armPatiently(run: PatrolRun, v: Vehicle): Promise<boolean> {
    return armPatiently(this.d.actions, v, {
      timeoutMs: this.timing.armTimeoutMs,
      retryMs: this.timing.armRetryMs,
      clock: realClock,
      ended: () => run.ended,
      armed: (attempt) => run.event('armed', said('run_armed', { attempt })),
      refused: (attempt, _reason, why) => {
        run.event('arm_refused', said('run_arm_refused', { attempt, reason: why }));
        this.emitRun(run, true);
      },
      gaveUp: (reason, why) => this.end(run, { kind: 'failed', reason: `could not arm: ${reason}`, said: said('run_failed_arm', { reason: why }) }),
    });
  }

  /** A pilot's command during a patrol; the caller has checked role, control and confirmation. */
  async command(vehicleId: string, action: PatrolAction): Promise<ActionOutcome> {
    const v = this.vehicle(vehicleId);
    const run = this.activeFor(v.id);
    if (action === 'abort') {
      if (!run) throw new PatrolError('conflict', said('patrol_none_to_abort', { vehicle: v.id }));
      if (run.airborne) throw new PatrolError('conflict', said('patrol_abort_in_air', { vehicle: v.id }));
      this.d.missions.cancel(v);
      this.end(run, { kind: 'aborted', reason: 'aborted by the pilot before takeoff', said: said('run_aborted_by_pilot') });
      return v.armed ? this.d.actions.arm(v, false) : { result: 'accepted' };
    }
    const out = action === 'pause' ?
      await this.d.actions.pause(v)
      : action === 'resume' ?
      await this.d.actions.resume(v)
      : action === 'rtl' ?
      await this.d.actions.returnHome(v)
      : await this.d.actions.land(v);
    if (run) {
      const done = { action: term(`act${action[0]!.toUpperCase()}${action.slice(1)}`, action), result: term(`commandResult_${out.result}`, out.result) };
      // The reason of a refusal is the autopilot's answer and texts.
      run.event('command', out.result === 'accepted' ? said('run_command', done) : said('run_command_failed', { ...done, reason: out.said }));
      if (out.result === 'accepted' && (action === 'rtl' || action === 'land')) run.returnedBy ??= 'pilot';
      if (out.result === 'accepted' && !run.ended && ['flying', 'paused', 'returning'].includes(run.state)) {
        run.setState(action === 'pause' ? 'paused' : action === 'resume' ? 'flying' : 'returning');
      }
      this.emitRun(run, true);
    }
    return out;
  }

  /** Follow the flight: figures, mode changes, leaving the route, landing. */
  private observe(v: Vehicle): void {
    const run = this.activeFor(v.id);
    if (!run) return;
    const now = Date.now();
    run.observe(v, now);
    const change = run.modeChange(v);
    if (change) {
      const cause = explainModeChange(v, change, { now, commandWindowMs: this.d.aircraft.thresholds.commandedModeWindowMs, landed: false });
      run.modeCause = { mode: change.toName, cause, failsafe: cause ? null : this.failsafeSign(v, now) };
    }
    if (['flying', 'paused', 'returning'].includes(run.state)) {
      if ((v.flightMode === 'return' || v.flightMode === 'land') && run.state !== 'returning') this.returning(run, v, now);
      // ArduPilot flies the route's own RTL or LAND item in AUTO: the mode says nothing, the item it flies does.
      else if (run.state === 'flying' && (run.progress.currentKind === 'return' || run.progress.currentKind === 'land')) {
        run.returnedBy ??= 'plan';
        run.setState(
          'returning',
          said('run_returning_route_item', {
            item: run.progress.currentKind === 'return' ? term('routeItem_return', 'return to launch') : term('routeItem_land', 'land'),
          }),
        );
      }
      const xt = v.flightMode === 'mission' ? run.crossTrack(v) : null;
      const off = xt !== null && xt > this.timing.offRouteM;
      if (off !== (run.offRouteM !== null)) run.event('off_route', off ? said('run_off_route', { metres: xt!.toFixed(0) }) : said('run_back_on_route'));
      run.offRouteM = off ? xt : null;
      this.d.aircraft.setExternal(v, 'off_route', off ? condition('caution', said('alert_off_route', { metres: Math.round(xt! / 10) * 10 })) : null);
    }
    if (run.airborne && !v.armed && !run.ended) {
      this.d.aircraft.setExternal(v, 'off_route', null);
      const by = run.returnedBy === 'pilot' || run.returnedBy === 'failsafe' ? run.returnedBy : 'unknown';
      this.end(
        run,
        run.progress.atEnd ?
          { kind: 'completed' }
          : { kind: 'returned_early', afterItem: run.progress.itemsDone, of: run.route.items.length, by },
      );
      return;
    }
    this.emitRun(run);
  }

  /**
   * In a return or a landing mode while on the route: the run is returning, and says why — asked
   * from here, its mission's own (PX4 switches to Return at the RTL item), or neither: a
   * failsafe (the autopilot says CRITICAL, or a text speaks of one) or the pilot's radio.
   */
  private returning(run: PatrolRun, v: Vehicle, now: number): void {
    const seen = run.modeCause?.mode === v.mode ? run.modeCause : null;
    const cause = seen?.cause ?? null;
    const failsafe = cause ? null : seen?.failsafe ?? this.failsafeSign(v, now);
    const mode = modeTerm(v.flightMode, v.mode);
    run.returnedBy ??= cause?.by === 'station' ? 'pilot' : cause ? 'plan' : failsafe ? 'failsafe' : 'unknown';
    run.setState(
      'returning',
      cause?.by === 'station' ?
        said('run_returning_commanded', { mode })
        : cause ?
        said('run_returning_plan', { mode, why: term(`modeCause_${cause.by}`, cause.why) })
        : failsafe
        ? said('run_returning_failsafe', { mode, sign: failsafe })
        : said('run_returning_unknown', { mode }),
    );
  }

  /** What says a failsafe has the aircraft now, if anything does. */
  private failsafeSign(v: Vehicle, now: number): MessageParam | null {
    if (v.systemStatus >= minimal.MavState.CRITICAL) {
      const status = minimal.MavState[v.systemStatus] ?? String(v.systemStatus);
      return said('run_failsafe_status', { status: term(`state_${status}`, status) });
    }
    const text = v.messages.findLast((m) => now - m.time < FAILSAFE_TEXT_MS && /failsafe/i.test(m.text));
    return text ? verbatim(`"${text.text}"`) : null;
  }

  /** Hear the run's mission reports from its vehicle: where it is in its mission, for progress and mode changes. */
  private follow(run: PatrolRun): void {
    const moved = () => {
      const v = this.d.fleet.get(run.vehicleId);
      if (v && !run.ended) v.planItem = run.progress.kind;
    };
    const offs = [
      this.d.fleet.onMessage(run.vehicleId, common.MissionCurrent, (m) => {
        if (run.progress.flying(m.seq)) moved();
      }),
      this.d.fleet.onMessage(run.vehicleId, common.MissionItemReached, (m) => {
        run.progress.reached(m.seq);
        moved();
      }),
    ];
    this.unfollow.set(run.id, () => offs.forEach((off) => off()));
  }

  /** End a run: recorded with its outcome, its mission no longer followed, and told. */
  private end(run: PatrolRun, outcome: RunOutcome, tell = true): void {
    run.finish(outcome);
    this.unfollow.get(run.id)?.();
    this.unfollow.delete(run.id);
    const v = this.d.fleet.get(run.vehicleId);
    if (v) v.planItem = null;
    if (tell) this.emitRun(run, true);
  }

  /** Progress at most once a second per run; state changes at once. */
  private emitRun(run: PatrolRun, now = false): void {
    const t = Date.now();
    if (!now && t - (this.lastEmit.get(run.id) ?? 0) < 1000) return;
    this.lastEmit.set(run.id, t);
    this.emit('run', run.view(this.d.fleet.get(run.vehicleId)));
  }

  /** A run of this session (flying or not), as it stands here. */
  live(id: number): RunView | undefined {
    const run = this.runs.get(id);
    return run?.view(this.d.fleet.get(run.vehicleId));
  }

  /** A run live, or from the database when it is from an earlier session. */
  async view(id: number): Promise<RunView | undefined> {
    const live = this.live(id);
    if (live) return live;
    const row = await this.d.runs.get(id);
    return row && (await PatrolRun.load(row, this.books, this.d.autopilotOf(row.vehicleId))).view(undefined);
  }

  /** Runs of the store's list each as view() gives it, the events of those not live read in one query (not one a run). */
  async views(rows: RunRow[]): Promise<RunView[]> {
    const live = new Map(rows.map((r) => [r.id, this.live(r.id)]));
    const events = await this.d.runs.eventsOf(rows.filter((r) => !live.get(r.id)).map((r) => r.id));
    return rows.map((row) => live.get(row.id) ?? PatrolRun.restore(row, events.get(row.id)!, this.books, this.d.autopilotOf(row.vehicleId)).view(undefined));
  }

  activeViews(): RunView[] {
    return [...this.runs.values()].filter((r) => !r.ended).map((r) => r.view(this.d.fleet.get(r.vehicleId)));
  }

  /** Resolves once every run's record written so far is in the database (or has failed, logged). */
  saved(): Promise<void> {
    return this.books.writes.done();
  }

  /** Stops following the fleet; resolves when the runs' records are written. */
  async close(): Promise<void> {
    this.d.fleet.off('changed', this.onChanged);
    for (const off of this.unfollow.values()) off();
    this.unfollow.clear();
    await this.saved();
  }
}
