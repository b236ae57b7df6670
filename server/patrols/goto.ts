import { EventEmitter } from 'node:events';
import type { AircraftMonitor } from '../alerts/aircraft-monitor.ts';
import { condition } from '../alerts/aircraft-rules.ts';
import { realClock, type Clock, type TimerHandle } from '../clock.ts';
import { distanceM, estimateFlight } from '../missions/flight.ts';
import { EMPTY_META, emptyFence, QUADROTOR, type Route } from '../missions/model.ts';
import type { Logger } from '../log.ts';
import { Refusal, type RefusalKind } from '../refusal.ts';
import type { ActionOutcome, Actions } from '../vehicles/actions.ts';
import { profileOf } from '../vehicles/autopilots/index.ts';
import type { GotoPlan } from '../vehicles/autopilots/profile.ts';
import type { GotoRecordStore, GotoRow } from '../store/gotos.ts';
import type { CommandSender } from '../vehicles/commands.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import { Part, type Vehicle } from '../vehicles/vehicle.ts';
import { english, said, term, type MessageParam, type ServerMessage } from '../wire/messages.ts';
import { airspaceFindings, batteryNeedPercent, insideZone, MAV_CMD, type RouteItemLike } from '../wire/route-rules.ts';
import type { GotoEvent, GotoState, GotoView, LatLon, PreflightItem } from '../wire/types.ts';
import { airborne, armPatiently } from './arming.ts';
import type { ControlRegistry } from './control.ts';
import { InOrder, stderrLog } from '../in-order.ts';
import { failedChecks, type Patrols } from './patrols.ts';
import { preflight, type StationRules } from './preflight.ts';
import { waterAt, type WaterArea } from './water.ts';

/** What the station allows a drone sent to a point, and how it is watched. */
export interface GotoSettings {
  /** transit and hold height above home, metres (per station) */
  transitAltM: number;
  /** planned time over the point, minutes: the battery check counts it */
  holdMin: number;
  /** closer than this to the point is overhead */
  overheadM: number;
  /** radius of the circle flown over the point where the autopilot circles safely */
  orbitRadiusM: number;
  /** amber when the battery allows less than this over the point */
  amberS: number;
  /** cruise speed the battery estimate assumes, m/s (ArduCopter flew 10; slower is the safe side) */
  cruiseMs: number;
  /** telemetry older than this is stale: nothing is claimed from it */
  staleMs: number;
  /** after the goto command, it must have come this much closer within moveTimeoutMs */
  moveConfirmM: number;
  moveTimeoutMs: number;
  armTimeoutMs: number;
  armRetryMs: number;
  /** after the take-off command it must be 2 m up within this long */
  climbTimeoutMs: number;
  tickMs: number;
}

export const DEFAULT_GOTO: GotoSettings = {
  transitAltM: 60,
  holdMin: 5,
  overheadM: 30,
  orbitRadiusM: 20,
  amberS: 120,
  cruiseMs: 8,
  staleMs: 3000,
  moveConfirmM: 3,
  moveTimeoutMs: 10_000,
  armTimeoutMs: 90_000,
  armRetryMs: 3000,
  climbTimeoutMs: 30_000,
  tickMs: 1000,
};

export interface GotoRequest {
  vehicleId: string;
  target: LatLon;
  altM?: number;
  holdMin?: number;
  alertId?: number | null;
  pilot: string;
}

export interface GotoDeps {
  fleet: Fleet;
  actions: Actions;
  commands: CommandSender;
  control: ControlRegistry;
  patrols: Patrols;
  aircraft: AircraftMonitor;
  rules: StationRules;
  /** the station's centre and the radius its drones may be sent within */
  station: LatLon & { radiusKm: number };
  /** where each goto and its events are kept (a restart loses none) */
  records: GotoRecordStore;
  /** water the station declares: a point over it is refused */
  water?: readonly WaterArea[];
  /** an incident's place and number, and whether it is over (resolved or closed); null when there is no such incident */
  incident: (alertId: number) => (LatLon & { number: string; over: boolean }) | null;
  /** what the service does by itself (the return at the battery limit) is audited here */
  audit: (e: { user: string | null; action: string; target: string; result: string; detail?: unknown }) => void;
  settings?: Partial<GotoSettings>;
  clock?: Clock;
  /** where a goto's record that could not be written is told (standard error by default) */
  log?: Logger;
}

/** The goto's own checks have their own names on the pages (gotoCheck_*); the rest are the preflight's. */
const GOTO_CHECK_NAMES = ['idle', 'incident', 'point', 'path', 'ceiling', 'battery', 'water'];
const gotoCheckTerm = (id: string) => term(GOTO_CHECK_NAMES.includes(id) ? `gotoCheck_${id}` : `check_${id}`, id);

/** A goto refused, with the checks that refused it when it got that far. */
export class GotoError extends Refusal {
  constructor(kind: RefusalKind, why: string | ServerMessage, readonly checks?: PreflightItem[]) {
    super(kind, why);
  }
}

/** Gotos that ended this recently are still shown (the incident card says what the drone did), at most so many. */
const RECENT_MS = 12 * 3600_000;
const RECENT_LIMIT = 50;

/** The preflight asks for a route; a goto's own checks replace the ones about it. */
const NO_ROUTE: Route = {
  id: 'goto',
  meta: EMPTY_META,
  vehicleType: QUADROTOR,
  plannedHome: null,
  items: [],
  fence: emptyFence(),
  rally: [],
  plan: null,
  source: { format: 'plan', file: 'goto', locations: [] },
};

/** The preflight's own checks a goto needs too (the same code, the same words). */
const SHARED_CHECKS = ['control', 'link', 'gps', 'position'];

const placed = (command: number, p: LatLon, alt: number, params: number[] = [0, 0, 0, 0]): RouteItemLike => ({
  command,
  frame: 3,
  params,
  lat: p.lat,
  lon: p.lon,
  alt,
});

/** One goto: its record (as stored, store/gotos.ts), and what it watches. */
class Goto {
  readonly id: number;
  readonly vehicleId: string;
  readonly pilot: string;
  readonly alertId: number | null;
  readonly target: LatLon;
  readonly altM: number;
  readonly holdMin: number;
  readonly checks: PreflightItem[];
  readonly startedAt: number;
  state: GotoState;
  arrivedAt: number | null;
  endedAt: number | null;
  heldMs: number;
  keepHolding: boolean;
  hold: 'orbit' | 'position';
  leftPatrol: GotoView['leftPatrol'];
  amber = false;
  limitHandled = false;
  linkLost = false;
  timer: TimerHandle | null = null;
  lastTick: number;

  constructor(row: GotoRow, readonly events: GotoEvent[]) {
    this.id = row.id;
    this.vehicleId = row.vehicleId;
    this.pilot = row.pilot;
    this.alertId = row.alertId;
    this.target = row.target;
    this.altM = row.altM;
    this.holdMin = row.holdMin;
    this.checks = row.checks;
    this.startedAt = row.startedAt;
    this.state = row.state;
    this.arrivedAt = row.arrivedAt;
    this.endedAt = row.endedAt;
    this.heldMs = row.heldMs;
    this.keepHolding = row.keepHolding;
    this.hold = row.hold;
    this.leftPatrol = row.leftPatrol;
    this.lastTick = row.startedAt;
  }

  get active(): boolean {
    return this.state === 'arming' || this.state === 'climbing' || this.state === 'transit' || this.state === 'on_scene';
  }
}

/**
 * Drone to the scene: send a drone to a point (an incident's), hold over it with the camera on it,
 * and bring it back. Every step is confirmed from the aircraft's own telemetry, nothing is claimed
 * on stale telemetry, and the battery decides when it must turn home (it does, by itself, unless
 * the pilot chose otherwise). How each autopilot flies it is its profile's GotoPlan.
 */
export class Gotos extends EventEmitter<{ goto: [GotoView] }> {
  /** the gotos under way; those that ended are read back from the store */
  private readonly all = new Map<number, Goto>();
  readonly settings: GotoSettings;
  private readonly clock: Clock;
  /** when each drone's position last arrived, on this module's clock: what "fresh" is measured by */
  private readonly heard = new Map<string, number>();
  private readonly onChanged = (v: Vehicle, parts: number) => {
    if (parts & Part.POSITION) this.heard.set(v.id, this.clock.now());
  };
  private readonly onLost = (v: Vehicle) => this.linkChange(v, true);
  private readonly onRegained = (v: Vehicle) => this.linkChange(v, false);
  /** each goto's record, written in order behind its flight (which never waits for it) */
  private readonly writes: InOrder;
  /** drones whose goto is being recorded: a second one for the same drone is refused meanwhile */
  private readonly sending = new Set<string>();

  constructor(private readonly d: GotoDeps) {
    super();
    this.settings = { ...DEFAULT_GOTO, ...d.settings };
    this.clock = d.clock ?? realClock;
    this.writes = new InOrder(d.log ?? stderrLog, (id) => `goto ${id}: its record not written`);
    d.fleet.on('changed', this.onChanged);
    d.fleet.on('lost', this.onLost);
    d.fleet.on('regained', this.onRegained);
  }

  activeFor(vehicleId: string): Goto | undefined {
    for (const g of this.all.values()) if (g.vehicleId === vehicleId && g.active) return g;
    return undefined;
  }

  /**
   * Gotos under way when the service stopped. One cut off in its start (arming, climbing) has
   * lost its sequence and fails, saying so: the pilot looks at the drone (as a patrol launch
   * cut off by a restart). One flying there or holding is watched again, but nothing is claimed
   * until its telemetry comes: it shows stale, not overhead, until a fresh position says where it is.
   */
  async resume(serves: (vehicleId: string) => boolean = () => true): Promise<void> {
    for (const row of await this.d.records.active()) {
      // In a city: only the gotos of drones whose link this node serves, and each once.
      if (!serves(row.vehicleId) || this.all.get(row.id)?.active) continue;
      const g = new Goto(row, await this.d.records.events(row.id));
      this.all.set(g.id, g);
      g.lastTick = this.clock.now();
      if (g.state === 'arming' || g.state === 'climbing') {
        this.fail(g, said('goto_restart_in_start'));
        continue;
      }
      this.event(g, 'restart', said('goto_restarted'));
      this.schedule(g);
    }
  }

  private vehicle(id: string): Vehicle {
    const v = this.d.fleet.get(id);
    if (!v) throw new GotoError('not_found', said('vehicle_unknown', { vehicle: id }));
    return v;
  }

  /** Every check before a goto, each as a preflight item with what it measured. */
  checks(r: GotoRequest): PreflightItem[] {
    const v = this.vehicle(r.vehicleId);
    const s = this.settings;
    const alt = r.altM ?? s.transitAltM;
    const holdMin = r.holdMin ?? s.holdMin;
    const items: PreflightItem[] = [];
    const add = (id: string, pass: boolean, what: ServerMessage) => items.push({ id, pass, value: english(what), said: what, overridable: false });

    // Control, link, GPS and position: the launch's own checks (a route is needed by its signature only).
    const shared = preflight({ vehicle: v, route: NO_ROUTE, rules: this.d.rules, pilot: r.pilot, controller: this.d.control.holder(v.id), activeRun: null })
      .filter((i) => SHARED_CHECKS.includes(i.id));
    // A goto has no override: a lossy link is a refusal here.
    items.push(...shared.map((i) => ({ ...i, overridable: false })));

    const run = this.d.patrols.activeFor(v.id);
    const sent = this.activeFor(v.id);
    const onGround = !v.armed && !run;
    if (sent) add('idle', false, said('check_goto_idle_sent', { id: sent.id }));
    else if (run && !(run.airborne && ['flying', 'paused'].includes(run.state))) add('idle', false, said('check_goto_idle_launching', { run: run.id }));
    else if (run) add('idle', true, said('check_goto_idle_patrol', { run: run.id }));
    else if (v.armed && (v.position?.altRel ?? 0) < 2) add('idle', false, said('check_idle_armed'));
    else add('idle', true, onGround ? said('check_goto_idle_ground', { alt }) : said('check_goto_idle_air'));

    if (r.alertId !== undefined && r.alertId !== null) {
      // Named as people name it, by its number.
      const known = this.d.incident(r.alertId);
      if (!known) add('incident', false, said('check_goto_incident_unknown', { id: r.alertId }));
      // A drone sent over an incident that has ended would serve no one (and be shown to no officer).
      else add('incident', !known.over, said(known.over ? 'check_goto_incident_over' : 'check_goto_incident', { id: known.number }));
    }

    const km = distanceM(this.d.station, r.target) / 1000;
    const airspace = { geofence: this.d.rules.geofence, noFly: this.d.rules.noFly, ceilingM: this.d.rules.ceilingM };
    const from = v.position ?? null;
    const home = v.home ?? from;
    // The way there from where it is, and the way home from the point: both straight lines.
    const out = from ? airspaceFindings({ plannedHome: { ...from, alt: 0 }, items: [placed(MAV_CMD.NAV_WAYPOINT, r.target, alt)] }, airspace) : [];
    const back = home ? airspaceFindings({ plannedHome: { ...r.target, alt: 0 }, items: [placed(MAV_CMD.NAV_WAYPOINT, home, alt)] }, airspace) : [];
    const fence = this.d.rules.geofence;
    const outsideFence = fence !== null && !insideZone(r.target, fence);
    add(
      'point',
      km <= this.d.station.radiusKm && !outsideFence,
      outsideFence ?
        said('check_goto_point_outside')
        : said(km <= this.d.station.radiusKm ? 'check_goto_point_ok' : 'check_goto_point_far', { km: km.toFixed(1), limit: this.d.station.radiusKm }),
    );

    const water = this.d.water ?? [];
    const wet = waterAt(r.target, water);
    add('water', !wet, wet ? said('check_goto_water', { zone: wet.name }) : said(water.length ? 'check_goto_water_clear' : 'check_goto_water_none'));

    const pointIn = this.d.rules.noFly.find((z) => insideZone(r.target, z));
    const crossing = [...out, ...back].find((f) => f.kind === 'leg_crosses_no_fly' || f.kind === 'waypoint_in_no_fly');
    const leaving = [...out, ...back].find((f) => f.kind === 'leg_leaves_geofence');
    add(
      'path',
      !pointIn && !crossing && !leaving,
      pointIn ?
        said('check_goto_path_in_no_fly', { zone: pointIn.name })
        : crossing && 'zone' in crossing ?
        said('check_goto_path_crosses', { zone: crossing.zone })
        : leaving
        ? said('check_goto_path_leaves')
        : said('check_goto_path_clear'),
    );

    // An autopilot that takes heights above sea level (PX4) needs its home's height first.
    const noHome = this.groundAlt(profileOf(v.autopilot).goto, v) === null;
    add(
      'ceiling',
      !noHome && alt > 0 && alt <= this.d.rules.ceilingM,
      noHome ? said('goto_no_home') : said('check_goto_altitude', { alt: alt.toFixed(0), ceiling: this.d.rules.ceilingM }),
    );

    const pct = v.battery?.percent ?? null;
    const trip = from && home ? this.tripS(from, r.target, home, alt, holdMin * 60) : null;
    const need = trip === null ? null : batteryNeedPercent(trip.totalS, this.d.rules);
    add(
      'battery',
      pct !== null && need !== null && pct >= need,
      pct === null ? said('check_battery_none') : need === null ?
        said('check_position_none')
        : said('check_goto_battery', {
          km: ((trip?.outM ?? 0) / 1000).toFixed(1),
          hold: holdMin,
          minutes: Math.ceil(trip!.totalS / 60),
          need,
          reserve: this.d.rules.reservePercent,
          has: pct,
        }),
    );
    return items;
  }

  /**
   * The flight estimate (the route editor's and the preflight's own) of going from `from` to the
   * point at `alt`, holding `holdS` there and coming home to land.
   */
  private tripS(from: LatLon & { altRel?: number }, to: LatLon, home: LatLon, alt: number, holdS: number): { totalS: number; outM: number } {
    const here = from.altRel ?? 0;
    const est = estimateFlight({
      plannedHome: { ...from, alt: 0 },
      plan: null,
      items: [
        placed(MAV_CMD.NAV_WAYPOINT, from, here),
        placed(MAV_CMD.NAV_WAYPOINT, to, alt),
        { command: MAV_CMD.NAV_DELAY, frame: 2, params: [holdS, -1, -1, -1], lat: 0, lon: 0, alt: 0 },
        placed(MAV_CMD.NAV_WAYPOINT, home, alt),
        placed(MAV_CMD.NAV_LAND, home, 0),
      ],
    }, { speedMs: this.settings.cruiseMs });
    // The estimate starts on the ground where it is: an airborne drone has climbed already.
    return { totalS: est.durationS - (est.legs[0]?.endS ?? 0), outM: est.legs[1]?.distanceM ?? 0 };
  }

  /** Seconds until it must turn home to land with the reserve; null when its battery or home is unknown. */
  turnHomeInS(v: Vehicle): number | null {
    const pct = v.battery?.percent ?? null;
    const pos = v.position;
    const home = v.home ?? null;
    if (pct === null || !pos || !home) return null;
    const r = this.d.rules;
    const flyableS = ((pct - r.reservePercent) / 100) * r.enduranceS;
    const est = estimateFlight({
      plannedHome: { ...pos, alt: 0 },
      plan: null,
      items: [placed(MAV_CMD.NAV_WAYPOINT, pos, pos.altRel), placed(MAV_CMD.NAV_WAYPOINT, home, pos.altRel), placed(MAV_CMD.NAV_LAND, home, 0)],
    }, { speedMs: this.settings.cruiseMs });
    return Math.floor(flyableS - (est.durationS - (est.legs[0]?.endS ?? 0)));
  }

  /**
   * Send a drone to a point; resolves with its record once the checks passed and the record is
   * written (the flight goes on in the background, each step in its events). Nothing is sent to the
   * drone before: a goto the database cannot record is refused. The caller has checked role and confirmation.
   */
  async send(r: GotoRequest): Promise<GotoView> {
    const v = this.vehicle(r.vehicleId);
    this.d.control.require(v.id, r.pilot);
    if (!Number.isFinite(r.target.lat) || !Number.isFinite(r.target.lon) || (r.target.lat === 0 && r.target.lon === 0)) {
      throw new GotoError('invalid', said('goto_point_invalid'));
    }
    const incident = r.alertId === undefined || r.alertId === null ? undefined : this.d.incident(r.alertId);
    if (incident === null) throw new GotoError('not_found', said('goto_incident_unknown', { id: r.alertId! }));
    if (incident?.over) throw new GotoError('conflict', said('goto_incident_over', { id: incident.number }));
    const checks = this.checks(r);
    const failed = checks.filter((c) => !c.pass);
    if (failed.length) throw new GotoError('conflict', said('goto_checks_failed', { checks: failedChecks(failed, gotoCheckTerm) }), checks);

    const plan = profileOf(v.autopilot).goto;
    const run = this.d.patrols.activeFor(v.id);
    const onGround = !v.armed && !run;
    const now = this.clock.now();
    // The run records where it left its route: the item it was flying to, and the place.
    const leftPatrol = run && v.position ? { runId: run.id, item: run.progress.current, lat: v.position.lat, lon: v.position.lon, at: now } : null;
    const row = {
      vehicleId: v.id,
      pilot: r.pilot,
      alertId: r.alertId ?? null,
      target: r.target,
      altM: r.altM ?? this.settings.transitAltM,
      holdMin: r.holdMin ?? this.settings.holdMin,
      hold: plan.orbit !== null ? 'orbit' as const : 'position' as const,
      state: onGround ? 'arming' as const : 'transit' as const,
      checks,
      startedAt: now,
      leftPatrol,
    };
    // Its checks passed now: no second goto for this drone may pass them while the record is written.
    if (this.sending.has(v.id)) throw new GotoError('conflict', `${v.id} is being sent to a point already: wait for its goto`);
    this.sending.add(v.id);
    let id: number;
    try {
      id = await this.d.records.create(row);
    } finally {
      this.sending.delete(v.id);
    }
    const g = new Goto({ ...row, id, arrivedAt: null, endedAt: null, heldMs: 0, keepHolding: false }, []);
    this.all.set(g.id, g);
    this.event(g, 'sent', said('goto_sent', { lat: r.target.lat.toFixed(5), lon: r.target.lon.toFixed(5), alt: g.altM, pilot: r.pilot }));
    this.event(g, 'hold', said('goto_hold', { how: plan.holdWhy }));
    if (run && leftPatrol && v.position) {
      run.event(
        'detour',
        said('run_detour', {
          item: leftPatrol.item ?? '?',
          metres: Math.round(distanceM(v.position, r.target)),
          incident: this.servedRef(g),
        }),
        { gotoId: g.id, alertId: g.alertId, left: g.leftPatrol },
      );
    }
    void this.fly(g, v).catch((err: Error) => this.fail(g, said('goto_error', { reason: err.message })));
    return this.view(g);
  }

  /** Arm and climb (a drone on the ground), then the goto itself, confirmed from telemetry. */
  private async fly(g: Goto, v: Vehicle): Promise<void> {
    const plan = profileOf(v.autopilot).goto;
    const roles = profileOf(v.autopilot).roles(v.type);
    const base = this.groundAlt(plan, v);
    if (base === null) return this.fail(g, said('goto_no_home'));
    if (g.state === 'arming') {
      const mode = await this.d.actions.setMode(v, plan.armIn === 'guided' ? roles.guided ?? roles.hold : roles.hold);
      if (mode.result !== 'accepted') return this.fail(g, mode.said);
      if (!(await this.armPatiently(g, v))) return;
      g.state = 'climbing';
      this.event(g, 'climbing', said('goto_climbing', { alt: g.altM }));
      const up = await this.d.commands.send(v, plan.takeoff(base + g.altM));
      if (up.result !== 'accepted') return this.fail(g, up.said);
      if (!(await this.d.actions.waitFor(v, () => airborne(v), this.settings.climbTimeoutMs))) {
        return this.fail(g, said('goto_not_climbing', { seconds: this.settings.climbTimeoutMs / 1000 }));
      }
      // Across to the point only near the transit height: a goto during the climb would fly low.
      if (!(await this.d.actions.waitFor(v, () => (v.position?.altRel ?? 0) >= g.altM * 0.9, this.settings.climbTimeoutMs * 2))) {
        return this.fail(g, said('goto_not_reaching', { alt: g.altM }));
      }
      if (!g.active) return;
      g.state = 'transit';
    }
    if (plan.modeFirst) {
      const mode = await this.d.actions.setMode(v, roles[plan.modeFirst] ?? roles.hold);
      if (mode.result !== 'accepted') return this.fail(g, mode.said);
    }
    if (!g.active) return;
    const startM = v.position ? distanceM(v.position, g.target) : Infinity;
    // A mode it switches to by itself on our command is ours, not an unexpected change (the aircraft alerts ask).
    if (plan.switchesTo.reposition) v.commandedMode = { mode: plan.switchesTo.reposition, at: this.clock.now() };
    const out = await this.d.commands.send(v, plan.reposition(g.target, base + g.altM));
    if (out.result !== 'accepted') return this.fail(g, out.said);
    // An ACK says it took the command; only its position says it goes there.
    const moving = await this.d.actions.waitFor(v, () => {
      const d = this.freshDistance(v, g);
      return d !== null && (d < startM - this.settings.moveConfirmM || d < this.settings.overheadM);
    }, this.settings.moveTimeoutMs);
    if (!g.active) return;
    if (!moving) return this.fail(g, said('goto_not_moving', { seconds: this.settings.moveTimeoutMs / 1000 }));
    this.event(g, 'moving', said('goto_moving', { metres: Math.round(this.freshDistance(v, g) ?? startM) }));
    this.schedule(g);
  }

  /** Arm with the patrol's own start step (arming.ts); each attempt is an event of the goto. */
  private armPatiently(g: Goto, v: Vehicle): Promise<boolean> {
    return armPatiently(this.d.actions, v, {
      timeoutMs: this.settings.armTimeoutMs,
      retryMs: this.settings.armRetryMs,
      clock: this.clock,
      ended: () => !g.active,
      armed: (attempt) => this.event(g, 'armed', said('goto_arming', { attempt })),
      refused: (attempt, _reason, why) => this.event(g, 'arm_refused', said('goto_arm_refused', { attempt, reason: why })),
      gaveUp: (_reason, why) => this.fail(g, said('goto_could_not_arm', { reason: why })),
    });
  }

  /** Where the autopilot's goto heights are counted from: 0 above home, or home's height above sea level; null: not known yet. */
  private groundAlt(plan: GotoPlan, v: Vehicle): number | null {
    return plan.heights === 'home' ? 0 : v.home?.altMsl ?? null;
  }

  /** Distance to the point from telemetry fresher than staleMs, else null. */
  private freshDistance(v: Vehicle, g: Goto): number | null {
    const heard = this.heard.get(v.id);
    if (v.lost || !v.position || heard === undefined || this.clock.now() - heard > this.settings.staleMs) return null;
    return distanceM(v.position, g.target);
  }

  private schedule(g: Goto): void {
    g.lastTick = this.clock.now();
    g.timer = this.clock.setTimeout(() => this.tick(g), this.settings.tickMs);
  }

  /** Once a tick: overhead or not, time held, battery and the turn-home countdown, the limit. */
  private tick(g: Goto): void {
    g.timer = null;
    if (!g.active) return;
    const v = this.d.fleet.get(g.vehicleId);
    const now = this.clock.now();
    const dt = now - g.lastTick;
    if (!v) return this.schedule(g);
    const plan = profileOf(v.autopilot).goto;
    // Its mode left the goto's (the pilot's radio, a failsafe, a command from elsewhere): the goto is over.
    if (!g.linkLost && !plan.modes.includes(v.flightMode)) {
      const returning = v.flightMode === 'return' || v.flightMode === 'land';
      this.event(g, 'mode_left', said('goto_mode_left', { mode: term(`flightMode_${v.flightMode}`, v.mode) }));
      return this.finish(g, returning ? 'returning' : 'ended', v);
    }
    const d = this.freshDistance(v, g);
    const overhead = d !== null && d < this.settings.overheadM;
    if (overhead && g.state === 'transit') {
      g.state = 'on_scene';
      g.arrivedAt = now;
      this.event(g, 'overhead', said('goto_overhead', { metres: Math.round(d) }));
      this.detour(g, said('run_detour_on_scene', { incident: this.servedRef(g) }));
      void this.onScene(g, v);
    } else if (overhead) {
      g.heldMs += dt;
      this.save(g);
    }

    const left = this.turnHomeInS(v);
    const amber = left !== null && left < this.settings.amberS;
    if (amber !== g.amber) {
      g.amber = amber;
      if (amber) this.event(g, 'battery', said('goto_battery_amber', { seconds: Math.max(0, left) }));
    }
    this.d.aircraft.setExternal(v, 'goto_battery', amber ? condition('caution', said('alert_goto_battery', { seconds: Math.max(0, left) })) : null);
    if (left !== null && left <= 0 && !g.limitHandled) {
      g.limitHandled = true;
      if (g.keepHolding) this.event(g, 'limit', said('goto_limit_kept'));
      else {
        this.event(g, 'limit', said('goto_limit_return'));
        this.d.audit({
          user: null,
          action: 'goto.limit_return',
          target: g.vehicleId,
          result: 'sent',
          detail: { gotoId: g.id, battery: v.battery?.percent ?? null },
        });
        // Refused or unanswered: asked again on the next tick, and the goto goes on being watched meanwhile.
        const again = () => {
          if (!g.active) return;
          g.limitHandled = false;
          this.schedule(g);
        };
        void this.returnHome(g, term('gotoReturnBy_battery', 'battery limit')).then((out) => (out.result === 'accepted' ? undefined : again()), again);
        return;
      }
    }
    this.emit('goto', this.view(g));
    this.schedule(g);
  }

  /** Over the point: the camera on it, and the circle where the autopilot flies one safely. */
  private async onScene(g: Goto, v: Vehicle): Promise<void> {
    const plan = profileOf(v.autopilot).goto;
    // Known before it flew (fly() stops without it), and home does not go away.
    const base = this.groundAlt(plan, v) ?? 0;
    if (plan.orbit) {
      if (plan.switchesTo.orbit) v.commandedMode = { mode: plan.switchesTo.orbit, at: this.clock.now() };
      const o = await this.d.commands.send(v, plan.orbit(g.target, base + g.altM, this.settings.orbitRadiusM));
      if (o.result !== 'accepted') {
        g.hold = 'position';
        this.event(g, 'orbit', said('goto_orbit_refused', { reason: o.said }));
      } else await this.orbitSeen(g, v);
    }
    const roi = await this.d.commands.send(v, plan.roi(g.target, base));
    this.event(g, 'roi', said('goto_roi', { result: term(`commandResult_${roi.result}`, roi.result) }));
  }

  /** An ACK says the autopilot took the orbit; its HEARTBEAT's mode says it circles. Else it holds over the point, said so. */
  private async orbitSeen(g: Goto, v: Vehicle): Promise<void> {
    if (await this.d.actions.waitFor(v, () => v.flightMode === 'orbit')) {
      this.event(g, 'orbit', said('goto_orbiting', { radius: this.settings.orbitRadiusM }));
    } else {
      g.hold = 'position';
      this.event(g, 'orbit', said('goto_orbit_unconfirmed', { mode: term(`flightMode_${v.flightMode}`, v.mode) }));
    }
  }

  private linkChange(v: Vehicle, lost: boolean): void {
    const g = this.activeFor(v.id);
    if (!g) return;
    g.linkLost = lost;
    this.event(g, 'link', said(lost ? 'goto_link_lost' : 'goto_link_regained'));
  }

  /** The pilot keeps the drone over the point past the battery limit (the caller audits it). */
  keepHolding(vehicleId: string, pilot: string, keep: boolean): GotoView {
    const g = this.mine(vehicleId, pilot);
    g.keepHolding = keep;
    if (keep) this.event(g, 'keep', said('goto_keep_holding', { pilot }));
    return this.view(g);
  }

  /** "Return home": the goto ends with the drone on its way home (a patrol it left ends as returned). */
  async home(vehicleId: string, pilot: string): Promise<{ view: GotoView; outcome: ActionOutcome }> {
    const g = this.mine(vehicleId, pilot);
    const outcome = await this.returnHome(g, pilot);
    return { view: this.view(g), outcome };
  }

  /** "Resume patrol": back to the leg it left (AUTO / Mission continues the current item), the run goes on. */
  async resumePatrol(vehicleId: string, pilot: string): Promise<{ view: GotoView; outcome: ActionOutcome }> {
    const g = this.mine(vehicleId, pilot);
    if (!g.leftPatrol || !this.d.patrols.activeFor(vehicleId)) throw new GotoError('conflict', said('goto_nothing_to_resume', { vehicle: vehicleId }));
    const outcome = await this.d.patrols.command(vehicleId, 'resume');
    if (outcome.result === 'accepted') {
      this.event(g, 'resumed', said('goto_resumed', { item: g.leftPatrol.item ?? '?' }));
      this.detour(g, said('run_detour_resumed', { item: g.leftPatrol.item ?? '?', ...this.heldFor(g) }));
      this.finish(g, 'resumed', this.d.fleet.get(vehicleId));
    }
    return { view: this.view(g), outcome };
  }

  /** by: the pilot's name, or the battery limit in words */
  private async returnHome(g: Goto, by: MessageParam): Promise<ActionOutcome> {
    const v = this.vehicle(g.vehicleId);
    const out = this.d.patrols.activeFor(v.id) ? await this.d.patrols.command(v.id, 'rtl') : await this.d.actions.returnHome(v);
    if (out.result === 'accepted') {
      this.event(g, 'returning', said('goto_returning', { by }));
      this.finish(g, 'returning', v);
    } else {
      this.event(g, 'returning', said('goto_failed', { reason: out.said }));
      this.emit('goto', this.view(g));
    }
    return out;
  }

  private mine(vehicleId: string, pilot: string): Goto {
    this.d.control.require(vehicleId, pilot);
    const g = this.activeFor(vehicleId);
    if (!g) throw new GotoError('conflict', said('goto_not_sent', { vehicle: vehicleId }));
    return g;
  }

  private fail(g: Goto, why: ServerMessage): void {
    if (!g.active) return;
    this.event(g, 'failed', said('goto_failed', { reason: why }));
    this.finish(g, 'failed', this.d.fleet.get(g.vehicleId));
  }

  private finish(g: Goto, state: GotoState, v: Vehicle | undefined): void {
    // Back to its route is said by resumePatrol; any other end closes the detour in the run's record.
    if (state !== 'resumed') this.detour(g, said('run_detour_ended', { how: term(`goto_${state}`, state.replace('_', ' ')), ...this.heldFor(g) }));
    g.state = state;
    g.endedAt = this.clock.now();
    if (g.timer !== null) this.clock.clearTimeout(g.timer);
    g.timer = null;
    if (v) this.d.aircraft.setExternal(v, 'goto_battery', null);
    this.save(g);
    // Ended: from now on it is read back from the store.
    this.all.delete(g.id);
    this.emit('goto', this.view(g));
  }

  private event(g: Goto, kind: string, what: ServerMessage): void {
    const e = { at: this.clock.now(), kind, message: english(what), said: what };
    g.events.push(e);
    this.writes.queue(g.id, () => this.d.records.event(g.id, e));
    this.save(g);
    this.emit('goto', this.view(g));
  }

  /** The incident a goto serves, as people name it (its number), or the task when it serves none. */
  private servedRef(g: Goto): MessageParam {
    if (g.alertId === null) return term('gotoRef', `task ${g.id} (a point on the map)`, { id: g.id });
    const number = this.d.incident(g.alertId)?.number ?? `#${g.alertId}`;
    return term('gotoIncidentRef', `incident ${number}`, { number });
  }

  private heldFor(g: Goto): { min: number; s: number } {
    const s = Math.floor(g.heldMs / 1000);
    return { min: Math.floor(s / 60), s: s % 60 };
  }

  /** A line in the record of the patrol run it left (its time is the detour's time). */
  private detour(g: Goto, what: ServerMessage): void {
    const run = g.leftPatrol && this.d.patrols.activeFor(g.vehicleId);
    if (run && run.id === g.leftPatrol?.runId) run.event('detour', what, { gotoId: g.id, alertId: g.alertId });
  }

  /** What changes as it flies, written as it changes (after what was written before it; the flight does not wait). */
  private save(g: Goto): void {
    const f = {
      state: g.state,
      hold: g.hold,
      arrivedAt: g.arrivedAt,
      endedAt: g.endedAt,
      heldMs: g.heldMs,
      keepHolding: g.keepHolding,
      leftPatrol: g.leftPatrol,
    };
    this.writes.queue(g.id, () => this.d.records.update(g.id, f));
  }

  /** An ended goto as stored. */
  private async stored(row: GotoRow | undefined): Promise<GotoView | undefined> {
    return row && this.view(new Goto(row, await this.d.records.events(row.id)));
  }

  view(g: Goto): GotoView {
    const v = this.d.fleet.get(g.vehicleId);
    const d = v ? this.freshDistance(v, g) : null;
    const live = g.active && v !== undefined;
    return {
      id: g.id,
      vehicleId: g.vehicleId,
      pilot: g.pilot,
      alertId: g.alertId,
      target: g.target,
      altM: g.altM,
      holdMin: g.holdMin,
      state: g.state,
      checks: g.checks,
      startedAt: g.startedAt,
      arrivedAt: g.arrivedAt,
      endedAt: g.endedAt,
      distanceM: live && d !== null ? Math.round(d) : null,
      overhead: live && d !== null && d < this.settings.overheadM && g.state === 'on_scene',
      // Under way and no fresh position (a lost link; or, after a restart, not heard yet): stale, never overhead.
      stale: g.active && d === null,
      heldS: Math.floor(g.heldMs / 1000),
      batteryPercent: v?.battery?.percent ?? null,
      turnHomeInS: live ? this.turnHomeInS(v) : null,
      amber: live && g.amber,
      keepHolding: g.keepHolding,
      hold: g.hold,
      leftPatrol: g.leftPatrol,
      events: g.events,
    };
  }

  /** A goto under way, or as stored (once what it wrote is in: an ended one's last state with it). */
  async get(id: number): Promise<GotoView | undefined> {
    const g = this.all.get(id);
    if (g) return this.view(g);
    await this.writes.done(id);
    return this.stored(await this.d.records.get(id));
  }

  /** The drone's goto under way, else its last one (before a restart too). */
  async current(vehicleId: string): Promise<GotoView | undefined> {
    const g = this.activeFor(vehicleId);
    if (g) return this.view(g);
    await this.writes.done();
    return this.stored(await this.d.records.latestFor(vehicleId));
  }

  activeViews(): GotoView[] {
    return [...this.all.values()].filter((g) => g.active).map((g) => this.view(g));
  }

  /** What the pilots and the command room are shown: every goto under way, and those that ended in the last `sinceMs`. */
  async shownViews(sinceMs = RECENT_MS): Promise<GotoView[]> {
    await this.writes.done();
    const rows = await this.d.records.endedSince(this.clock.now() - sinceMs, RECENT_LIMIT);
    const ended = await Promise.all(rows.map(async (row) => (await this.stored(row))!));
    // Those under way as they are now; one that ended during the read is told by its own 'goto' event.
    return [...this.activeViews(), ...ended.reverse()];
  }

  /** Resolves once every goto's record written so far is in the database (or has failed, logged). */
  saved(): Promise<void> {
    return this.writes.done();
  }

  /** Another node of the city serves these drones' link now and watches their gotos (see Patrols.letGo). */
  letGo(serves: (vehicleId: string) => boolean): void {
    for (const g of this.all.values()) {
      if (!g.active || !serves(g.vehicleId)) continue;
      if (g.timer !== null) this.clock.clearTimeout(g.timer);
      this.all.delete(g.id);
    }
  }

  /** Stops watching; resolves when the gotos' records are written. */
  async close(): Promise<void> {
    this.d.fleet.off('changed', this.onChanged);
    this.d.fleet.off('lost', this.onLost);
    this.d.fleet.off('regained', this.onRegained);
    for (const g of this.all.values()) if (g.timer !== null) this.clock.clearTimeout(g.timer);
    await this.saved();
  }
}
