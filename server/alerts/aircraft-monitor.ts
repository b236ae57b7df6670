import { EventEmitter } from 'node:events';
import type { AlertStore } from '../store/alerts.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import { Part, type Vehicle } from '../vehicles/vehicle.ts';
import type { ModeChange } from '../vehicles/mode-changes.ts';
import type { ServerMessage } from '../wire/messages.ts';
import type { AircraftAlertView, AlertSeverity, FlightMode } from '../wire/types.ts';
import { autopilotMessage, DEFAULT_THRESHOLDS, LEVEL_RULES, unexpectedModeChange, type AlertThresholds, type Condition } from './aircraft-rules.ts';
import { InOrder } from '../in-order.ts';

/** A condition that holds, raised as an alert. */
interface Active {
  /** null while no id is in hand (every reserved one used while the database was away): not shown yet */
  id: number | null;
  vehicleId: string;
  rule: string;
  message: string;
  severity: AlertSeverity;
  said: ServerMessage | undefined;
  raisedAt: number;
}

export interface MonitorOptions {
  thresholds?: AlertThresholds;
  /**
   * Tells of a mode change something outside the vehicles knows the cause of (the simulator's
   * training pilot flying a demo): explained, it raises no alert.
   */
  explainMode?: (v: Vehicle, c: ModeChange) => string | null;
  /** where writes the database refused are told (default: standard error) */
  warn?: (line: string) => void;
  /** how long an alert waiting for an id waits before ids are asked for again (default 1 s) */
  retryMs?: readonly number[];
  /** ids kept reserved ahead, so that alerts show with their id while the database is slow or away */
  reserveAhead?: number;
}

const RETRY_MS = [1000];
const RESERVE_AHEAD = 64;
/** Higher than this above home, armed, it has flown (as the patrol's climb check: 2 m). */
const IN_THE_AIR_M = 2;
const EVENT_RULES = new Set(['mode_change', 'autopilot_message']);

/**
 * Watches every vehicle's telemetry and raises, updates and clears aircraft alerts.
 * Level alerts (battery, link, GPS, failsafe, ceiling) clear by themselves when their condition
 * ends; event alerts (an unexpected mode change, an autopilot warning) clear when acknowledged.
 *
 * Telemetry never waits for the database: what the pages see (the open alerts) is kept here and
 * sent at once; each alert's writes follow in order, tried again while the database is away. An
 * alert's id comes from ids reserved ahead (AlertStore.reserve), so it is known before any write.
 */
export class AircraftMonitor extends EventEmitter<{ alert: [AircraftAlertView] }> {
  /** the conditions that hold, by "vehicle/rule[/text]" */
  private readonly active = new Map<string, Active>();
  /** what the pages see: alerts that hold or were never acknowledged, by id */
  private readonly views = new Map<number, AircraftAlertView>();
  /** when a level condition was first seen, for its grace time */
  private readonly pendingSince = new Map<string, number>();
  private readonly lastMode = new Map<Vehicle, { name: string; flight: FlightMode }>();
  /** vehicles seen in the air, armed, since found: disarmed again they are on the ground after a flight */
  private readonly flown = new Set<Vehicle>();
  private readonly messagesSeen = new Map<Vehicle, number>();
  /** each vehicle's level-rule keys, made once (evaluate runs at telemetry rates) */
  private readonly levelKeys = new Map<Vehicle, string[]>();
  private readonly timer: NodeJS.Timeout;
  private readonly onChanged = (v: Vehicle, parts: number) => this.evaluate(v, parts);
  readonly thresholds: AlertThresholds;
  private readonly explainMode: (v: Vehicle, c: ModeChange) => string | null;
  private readonly warn: (line: string) => void;
  private readonly retryMs: readonly number[];
  private readonly ahead: number;
  /** each alert's writes, in order */
  private readonly writes = new InOrder();
  /** reserved ids not used yet, lowest first */
  private readonly pool: number[];
  /** conditions raised while no id was in hand, shown when ids come */
  private readonly waitingForId: Active[] = [];
  private reserving: Promise<void> | null = null;
  private reserveTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** Start watching, with the alerts still open from before (the rules clear them if all is well now). */
  static async open(fleet: Fleet, store: AlertStore, o: MonitorOptions = {}): Promise<AircraftMonitor> {
    const [open, reserved] = await Promise.all([store.openAircraft(), store.reserved()]);
    const monitor = new AircraftMonitor(fleet, store, o, open, reserved);
    await monitor.topUp();
    return monitor;
  }

  private constructor(
    private readonly fleet: Fleet,
    private readonly store: AlertStore,
    o: MonitorOptions,
    open: AircraftAlertView[],
    reserved: number[],
  ) {
    super();
    this.thresholds = o.thresholds ?? DEFAULT_THRESHOLDS;
    this.explainMode = o.explainMode ?? (() => null);
    this.warn = o.warn ?? ((line) => process.stderr.write(`${line}\n`));
    this.retryMs = o.retryMs ?? RETRY_MS;
    this.ahead = o.reserveAhead ?? RESERVE_AHEAD;
    this.pool = reserved;
    for (const a of open) {
      this.views.set(a.id, a);
      if (a.clearedAt !== null) continue;
      this.active.set(this.key(a.vehicleId, a.rule, EVENT_RULES.has(a.rule) ? a.message : undefined), {
        id: a.id,
        vehicleId: a.vehicleId,
        rule: a.rule,
        message: a.message,
        severity: a.severity,
        said: a.said ?? undefined,
        raisedAt: a.raisedAt,
      });
    }
    fleet.on('changed', this.onChanged);
    // Grace times run out without any new telemetry (a silent drone changes nothing).
    this.timer = setInterval(() => {
      for (const v of fleet.vehicles.values()) this.evaluate(v, Part.ALL);
    }, 1000);
  }

  private key(vehicleId: string, rule: string, text?: string): string {
    return text === undefined ? `${vehicleId}/${rule}` : `${vehicleId}/${rule}/${text}`;
  }

  /** Check the rules that read the `parts` of v's state that changed. */
  private evaluate(v: Vehicle, parts: number): void {
    const now = Date.now();
    let keys = this.levelKeys.get(v);
    if (!keys) this.levelKeys.set(v, keys = LEVEL_RULES.map((r) => this.key(v.id, r.rule)));
    for (let i = 0; i < LEVEL_RULES.length; i++) {
      const r = LEVEL_RULES[i]!;
      if ((r.reads & parts) === 0) continue;
      const key = keys[i]!;
      const current = this.active.get(key);
      const cond = r.check(v, this.thresholds, current !== undefined);
      if (cond && !current) {
        const since = this.pendingSince.get(key) ?? now;
        this.pendingSince.set(key, since);
        if (now - since >= (r.graceMs?.(this.thresholds) ?? 0)) this.hold(key, v.id, r.rule, cond);
      } else {
        if (!cond) this.pendingSince.delete(key);
        this.hold(key, v.id, r.rule, cond);
      }
    }
    if (v.armed && (v.position?.altRel ?? 0) > IN_THE_AIR_M) this.flown.add(v);
    if (parts & Part.STATE) this.checkMode(v);
    if (parts & Part.MESSAGES) this.checkMessages(v);
  }

  private checkMode(v: Vehicle): void {
    const now = { name: v.mode, flight: v.flightMode };
    const prev = this.lastMode.get(v);
    this.lastMode.set(v, now);
    if (prev === undefined || prev.name === now.name) return;
    const change: ModeChange = { fromName: prev.name, toName: now.name, from: prev.flight, to: now.flight };
    const cond = this.explainMode(v, change) === null ? unexpectedModeChange(v, change, !v.armed && this.flown.has(v), this.thresholds) : null;
    if (cond) this.raise(this.key(v.id, 'mode_change', cond.message), v.id, 'mode_change', cond);
  }

  private checkMessages(v: Vehicle): void {
    const fresh = Math.min(v.messageCount - (this.messagesSeen.get(v) ?? 0), v.messages.length);
    this.messagesSeen.set(v, v.messageCount);
    for (const m of v.messages.slice(v.messages.length - fresh)) {
      const cond = autopilotMessage(m.severity, m.text);
      const key = this.key(v.id, 'autopilot_message', cond?.message);
      // A repeated message ("PreArm: …" every 30 s) stays one alert until acknowledged.
      if (cond && !this.active.has(key)) this.raise(key, v.id, 'autopilot_message', cond);
    }
  }

  private raise(key: string, vehicleId: string, rule: string, cond: Condition): void {
    const a: Active = { id: null, vehicleId, rule, message: cond.message, severity: cond.severity, said: cond.said, raisedAt: Date.now() };
    this.active.set(key, a);
    this.pendingSince.delete(key);
    const id = this.pool.shift();
    if (id === undefined) this.waitingForId.push(a);
    else this.show(a, id);
    void this.topUp();
  }

  /** Give a raised condition its id: from now on the pages see it, and it is written. */
  private show(a: Active, id: number): void {
    a.id = id;
    const view: AircraftAlertView = {
      id,
      vehicleId: a.vehicleId,
      rule: a.rule,
      severity: a.severity,
      message: a.message,
      raisedAt: a.raisedAt,
      clearedAt: null,
      acknowledgedBy: null,
      said: a.said ?? null,
    };
    this.views.set(id, view);
    const { vehicleId, rule, severity, message, said, raisedAt: at } = a;
    this.write(id, () => this.store.raiseAircraft({ id, vehicleId, rule, severity, message, said, at }));
    this.emit('alert', view);
  }

  /** Keep `ahead` ids reserved; the alerts that wait for one are shown when they come. */
  private topUp(): Promise<void> {
    if (this.reserving || this.closed) return this.reserving ?? Promise.resolve();
    if (this.pool.length >= this.ahead / 2 && this.waitingForId.length === 0) return Promise.resolve();
    this.reserving = this.store.reserve(this.ahead - this.pool.length + this.waitingForId.length).then(
      (ids) => {
        this.pool.push(...ids);
        while (this.waitingForId.length && this.pool.length) this.show(this.waitingForId.shift()!, this.pool.shift()!);
      },
      (err: unknown) => {
        this.warn(
          `aircraft alerts: no ids reserved (${(err as Error).message})${this.waitingForId.length ? `; ${this.waitingForId.length} alerts wait for one` : ''}`,
        );
      },
    ).finally(() => {
      this.reserving = null;
      // Alerts waiting for an id ask again; nothing else would.
      if (this.waitingForId.length && !this.closed) this.reserveTimer = setTimeout(() => void this.topUp(), this.retryMs[0] ?? 1000);
    });
    return this.reserving;
  }

  private update(a: Active, cond: Condition): void {
    a.severity = cond.severity;
    a.message = cond.message;
    a.said = cond.said;
    if (a.id === null) return; // shown with these when its id comes
    const id = a.id;
    const at = Date.now();
    const view = { ...this.views.get(id)!, severity: cond.severity, message: cond.message, said: cond.said };
    this.views.set(id, view);
    this.write(id, () => this.store.updateAircraft(id, cond.severity, cond.message, cond.said, at));
    this.emit('alert', view);
  }

  /** The condition ended (or an event alert was acknowledged). Returns the view, unless it was never shown. */
  private clear(key: string, a: Active, reason: string): AircraftAlertView | undefined {
    this.active.delete(key);
    if (a.id === null) {
      this.waitingForId.splice(this.waitingForId.indexOf(a), 1);
      return undefined;
    }
    const id = a.id;
    const at = Date.now();
    const view = this.keep({ ...this.views.get(id)!, clearedAt: at });
    this.write(id, () => this.store.clearAircraft(id, reason, at));
    return view;
  }

  /** Keep what the pages see: an alert leaves once it is over and acknowledged. */
  /**
   * An alert of a drone another node of the city serves, as that node sent it: kept for this node's
   * pages and lists (every node's alerts on every node), never acted on here.
   */
  mirror(view: AircraftAlertView): void {
    if (this.fleet.get(view.vehicleId)) return; // ours: this node's own word on it wins
    this.keep(view);
  }

  private keep(view: AircraftAlertView): AircraftAlertView {
    if (view.clearedAt !== null && view.acknowledgedBy !== null) this.views.delete(view.id);
    else this.views.set(view.id, view);
    return view;
  }

  /**
   * Write after the alert's writes before it, without waiting. The store takes an alert's writes
   * into its journal (store/write-journal.ts) at once, and from there to the database in order, also
   * after the database was away; a refusal is told, never thrown.
   */
  private write(id: number, what: () => Promise<unknown>): void {
    this.writes.run(id, what).catch((err: unknown) => this.warn(`aircraft alert ${id}: not saved: ${(err as Error).message}`));
  }

  /**
   * A condition judged elsewhere (off route and geofence come from the patrol that knows the
   * route): raised while `cond` is given, cleared when it is null.
   */
  setExternal(v: Pick<Vehicle, 'id'>, rule: string, cond: Condition | null): void {
    this.hold(this.key(v.id, rule), v.id, rule, cond);
  }

  /** Raise, update (a worse level, a new figure) or clear one level alert. */
  private hold(key: string, vehicleId: string, rule: string, cond: Condition | null): void {
    const current = this.active.get(key);
    if (cond && !current) this.raise(key, vehicleId, rule, cond);
    else if (cond && current && (cond.severity !== current.severity || cond.message !== current.message)) this.update(current, cond);
    else if (!cond && current) {
      const view = this.clear(key, current, 'condition ended');
      if (view) this.emit('alert', view);
    }
  }

  /**
   * A pilot or the command room has seen it; event alerts end here. Undefined, writing nothing,
   * when `id` is not an aircraft alert. An alert the pages see is acknowledged at once (written
   * behind); an older one in the database.
   */
  async acknowledge(id: number, user: string): Promise<AircraftAlertView | undefined> {
    const before = this.views.get(id);
    if (!before) {
      await this.writes.done(id);
      const view = await this.store.acknowledge(id, user);
      if (view) this.emit('alert', view);
      return view;
    }
    const at = Date.now();
    let view = this.keep({ ...before, acknowledgedBy: user });
    this.write(id, () => this.store.acknowledgeShown(id, user, at));
    if (EVENT_RULES.has(view.rule)) {
      for (const [key, a] of this.active) if (a.id === id) view = this.clear(key, a, `acknowledged by ${user}`) ?? view;
    }
    this.emit('alert', view);
    return view;
  }

  /** What the pages see: the alerts that hold or were never acknowledged, oldest first. */
  open(): AircraftAlertView[] {
    return [...this.views.values()].sort((a, b) => a.id - b.id);
  }

  /** One aircraft alert (undefined: none with that id, or a ground alert's). */
  async get(id: number): Promise<AircraftAlertView | undefined> {
    const view = this.views.get(id);
    if (view) return view;
    await this.writes.done(id);
    return this.store.aircraft(id);
  }

  /** Resolves when every write asked for so far has been made (or given up). */
  async saved(): Promise<void> {
    await this.reserving;
    await this.writes.done();
  }

  /** Stop watching, once every write asked for is with the store. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.reserveTimer);
    this.fleet.off('changed', this.onChanged);
    this.closed = true;
    await this.saved();
  }
}
