import { EventEmitter } from 'node:events';
import type { AlertStore } from '../store/alerts.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import { Part, type Vehicle } from '../vehicles/vehicle.ts';
import type { ModeChange } from '../vehicles/mode-changes.ts';
import type { AircraftAlertView, FlightMode } from '../wire/types.ts';
import { autopilotMessage, DEFAULT_THRESHOLDS, LEVEL_RULES, unexpectedModeChange, type AlertThresholds, type Condition } from './aircraft-rules.ts';

interface Active {
  id: number;
  message: string;
  severity: string;
}

/** Higher than this above home, armed, it has flown (as the patrol's climb check: 2 m). */
const IN_THE_AIR_M = 2;

/**
 * Watches every vehicle's telemetry and raises, updates and clears aircraft alerts.
 * Level alerts (battery, link, GPS, failsafe, ceiling) clear by themselves when their condition
 * ends; event alerts (an unexpected mode change, an autopilot warning) clear when acknowledged.
 */
export class AircraftMonitor extends EventEmitter<{ alert: [AircraftAlertView] }> {
  /** open alerts by "vehicle/rule[/text]" */
  private readonly active = new Map<string, Active>();
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

  /**
   * `explainMode` tells of a mode change something outside the vehicles knows the cause of (the
   * simulator's training pilot flying a demo): explained, it raises no alert.
   */
  constructor(
    private readonly fleet: Fleet,
    private readonly store: AlertStore,
    readonly thresholds: AlertThresholds = DEFAULT_THRESHOLDS,
    private readonly explainMode: (v: Vehicle, c: ModeChange) => string | null = () => null,
  ) {
    super();
    // Alerts still open from before a restart carry on: the rules clear them if all is well now.
    for (const a of store.openAircraft()) {
      if (a.clearedAt === null)
        this.active.set(this.key(a.vehicleId, a.rule, a.rule === 'autopilot_message' || a.rule === 'mode_change' ? a.message : undefined), {
          id: a.id,
          message: a.message,
          severity: a.severity,
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
        if (now - since >= (r.graceMs?.(this.thresholds) ?? 0)) this.hold(key, v, r.rule, cond);
      } else {
        if (!cond) this.pendingSince.delete(key);
        this.hold(key, v, r.rule, cond);
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
    if (cond) this.raise(this.key(v.id, 'mode_change', cond.message), v, 'mode_change', cond);
  }

  private checkMessages(v: Vehicle): void {
    const fresh = Math.min(v.messageCount - (this.messagesSeen.get(v) ?? 0), v.messages.length);
    this.messagesSeen.set(v, v.messageCount);
    for (const m of v.messages.slice(v.messages.length - fresh)) {
      const cond = autopilotMessage(m.severity, m.text);
      const key = this.key(v.id, 'autopilot_message', cond?.message);
      // A repeated message ("PreArm: …" every 30 s) stays one alert until acknowledged.
      if (cond && !this.active.has(key)) this.raise(key, v, 'autopilot_message', cond);
    }
  }

  private raise(key: string, v: Vehicle, rule: string, cond: Condition): void {
    const view = this.store.raiseAircraft(v.id, rule, cond.severity, cond.message, cond.said);
    this.active.set(key, { id: view.id, message: cond.message, severity: cond.severity });
    this.pendingSince.delete(key);
    this.emit('alert', view);
  }

  private clear(key: string, a: Active, reason: string): void {
    this.active.delete(key);
    const view = this.store.clearAircraft(a.id, reason);
    if (view) this.emit('alert', view);
  }

  private emitView(id: number): void {
    const view = this.store.aircraft(id);
    if (view) this.emit('alert', view);
  }

  /**
   * A condition judged elsewhere (off route and geofence come from the patrol that knows the
   * route): raised while `cond` is given, cleared when it is null.
   */
  setExternal(v: Vehicle, rule: string, cond: Condition | null): void {
    this.hold(this.key(v.id, rule), v, rule, cond);
  }

  /** Raise, update (a worse level, a new figure) or clear one level alert. */
  private hold(key: string, v: Vehicle, rule: string, cond: Condition | null): void {
    const current = this.active.get(key);
    if (cond && !current) this.raise(key, v, rule, cond);
    else if (cond && current && (cond.severity !== current.severity || cond.message !== current.message)) {
      this.store.updateAircraft(current.id, cond.severity, cond.message, cond.said);
      current.severity = cond.severity;
      current.message = cond.message;
      this.emitView(current.id);
    } else if (!cond && current) this.clear(key, current, 'condition ended');
  }

  /** A pilot or the command room has seen it; event alerts end here. */
  acknowledge(id: number, user: string): AircraftAlertView | undefined {
    const view = this.store.acknowledge(id, user);
    if (!view) return undefined;
    for (const [key, a] of this.active) {
      if (a.id === id && (view.rule === 'mode_change' || view.rule === 'autopilot_message')) this.clear(key, a, `acknowledged by ${user}`);
    }
    const after = this.store.aircraft(id)!;
    this.emit('alert', after);
    return after;
  }

  open(): AircraftAlertView[] {
    return this.store.openAircraft();
  }

  /** One aircraft alert (undefined: none with that id, or a ground alert's). */
  get(id: number): AircraftAlertView | undefined {
    return this.store.aircraft(id);
  }

  close(): void {
    clearInterval(this.timer);
    this.fleet.off('changed', this.onChanged);
  }
}
