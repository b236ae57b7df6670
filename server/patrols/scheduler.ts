import { EventEmitter } from 'node:events';
import type { RouteStore } from '../missions/store.ts';
import type { AuditLog } from '../store/audit.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import { said, term, type ServerMessage } from '../wire/messages.ts';
import type { DuePatrol } from '../wire/types.ts';
import type { ControlRegistry } from './control.ts';
import { PatrolError, type Patrols } from './patrols.ts';
import { occurrences, parseSchedule } from './schedule.ts';

export interface SchedulerOptions {
  /** how long before its time a patrol is shown as due */
  leadMs: number;
  /** a due patrol nobody launched stays listed this long after its time */
  graceMs: number;
  /** docked drones allowed to launch by themselves at a route's time (none by default) */
  autoLaunch: string[];
}

export const DEFAULT_SCHEDULER: SchedulerOptions = { leadMs: 10 * 60_000, graceMs: 30 * 60_000, autoLaunch: [] };
const AUTO_PILOT = 'scheduler';
/** A due patrol's slot: its route and time. */
const slotKey = (p: { routeId: string; dueAt: number }) => `${p.routeId}@${p.dueAt}`;

/** A city's claims on scheduled slots (service.ts keeps them in PostgreSQL: cluster/command-claims.ts). */
export interface SlotClaims {
  /** mine: this node may launch it (claimed now, or claimed here before and not launched); else whose, and its run if launched */
  claim(slot: string): Promise<{ mine: true } | { mine: false; node: string; runId: number | null }>;
  launched(slot: string, runId: number): Promise<void>;
  /** a launch refused: the claim given up */
  release(slot: string): Promise<void>;
}

/**
 * Keeps the list of patrols due soon for pilots. Nothing launches by itself unless the route's
 * default drone is one an administrator marked for automatic launch (a drone in a dock).
 */
export class Scheduler extends EventEmitter<{ due: [DuePatrol[]] }> {
  private due: DuePatrol[] = [];
  private readonly launched = new Map<string, number>();
  /** the last reason an automatic launch was refused, per slot (audited once per reason) */
  private readonly refused = new Map<string, string>();
  /** the same refusals as code and parameters, where they have them */
  private readonly refusedSaid = new Map<string, ServerMessage>();
  /** slots whose automatic launch is under way (its record being written): not tried again meanwhile */
  private readonly launching = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly d: {
      routes: RouteStore;
      fleet: Fleet;
      patrols: Patrols;
      control: ControlRegistry;
      audit: AuditLog;
      options: SchedulerOptions;
      /**
       * In a city: a slot is launched by one node only, ever (a claim in the shared store), however
       * many nodes see it due, and not again after a failover or a restart (slots.ts in service.ts).
       */
      slots?: SlotClaims;
    },
  ) {
    super();
    this.timer = setInterval(() => this.tick(), 15_000);
    d.routes.on('changed', () => this.tick());
    // A pilot launching a due route on its drone flies that slot: it is no longer due.
    d.patrols.on('run', (run) => {
      const slot = this.due.find((p) => p.runId === null && p.routeId === run.routeId && p.vehicleId === run.vehicleId);
      if (slot && !this.launched.has(slotKey(slot))) {
        this.launched.set(slotKey(slot), run.id);
        this.tick();
      }
    });
    this.tick();
  }

  /** The vehicle a route's "default drone" names: an id ("l1-1") or a callsign ("Drone 1"). */
  private vehicleFor(name: string): string | null {
    if (!name) return null;
    for (const v of this.d.fleet.vehicles.values()) if (v.id === name || `Drone ${v.sysid}` === name) return v.id;
    return null;
  }

  /** The list as it stands now, told when it changed; and the automatic launches that are due, started. */
  tick(now = Date.now()): void {
    const list = this.listAt(now);
    for (const p of list) {
      if (p.runId !== null || p.dueAt > now || !p.vehicleId || !this.d.options.autoLaunch.includes(p.vehicleId)) continue;
      if (!this.launching.has(slotKey(p))) void this.autoLaunch(p);
    }
    this.show(list);
  }

  private show(list: DuePatrol[]): void {
    if (JSON.stringify(list) !== JSON.stringify(this.due)) {
      this.due = list;
      this.emit('due', list);
    }
  }

  private listAt(now: number): DuePatrol[] {
    const list: DuePatrol[] = [];
    for (const e of this.d.routes.list()) {
      if (!e.route?.meta.schedule) continue;
      let schedule;
      try {
        schedule = parseSchedule(e.route.meta.schedule);
      } catch {
        continue; // shown as a route warning, not a due patrol
      }
      if (!schedule) continue;
      for (const at of occurrences(schedule, now - this.d.options.graceMs, now + this.d.options.leadMs)) {
        const key = slotKey({ routeId: e.id, dueAt: at });
        list.push({
          routeId: e.id,
          name: { zh: e.route.meta.nameZh || e.id, en: e.route.meta.nameEn || e.id },
          dueAt: at,
          defaultDrone: e.route.meta.defaultDrone || null,
          vehicleId: this.vehicleFor(e.route.meta.defaultDrone),
          runId: this.launched.get(key) ?? null,
          autoLaunchProblem: this.refused.get(key) ?? null,
          autoLaunchSaid: this.refusedSaid.get(key) ?? null,
        });
      }
    }
    return list.sort((a, b) => a.dueAt - b.dueAt);
  }

  /**
   * Launch a due patrol by itself; what came of it (its run, or why not) is in the list once it is
   * known. Never rejects: a refusal, the database's too, is shown to pilots and audited.
   */
  private async autoLaunch(p: DuePatrol): Promise<void> {
    const key = slotKey(p);
    this.launching.add(key);
    try {
      const claim = await this.d.slots?.claim(key);
      if (claim && !claim.mine) {
        // Launched elsewhere (or here before a restart): its run is the slot's. Claimed and not yet
        // launched: that node is at it; shown, and asked again at the next tick.
        if (claim.runId !== null) this.launched.set(key, claim.runId);
        else {
          this.refused.set(key, `being launched by node ${claim.node} of the city`);
          this.refusedSaid.set(key, said('due_claimed_elsewhere', { node: claim.node }));
        }
        return;
      }
      if (this.d.control.holder(p.vehicleId!) === null) await this.d.control.take(p.vehicleId!, AUTO_PILOT);
      this.d.control.require(p.vehicleId!, AUTO_PILOT);
      let run;
      try {
        run = await this.d.patrols.launch(p.vehicleId!, p.routeId, AUTO_PILOT);
      } catch (err) {
        // refused (its checks, the database): the slot is free again for whichever node can fly it
        await this.d.slots?.release(key).catch(() => {});
        throw err;
      }
      this.launched.set(key, run.id);
      await this.d.slots?.launched(key, run.id).catch(() => {});
      this.refused.delete(key);
      this.refusedSaid.delete(key);
      this.d.audit.record({
        user: AUTO_PILOT,
        action: 'patrol.launch',
        target: p.vehicleId,
        result: 'ok',
        detail: { runId: run.id, routeId: p.routeId, scheduled: new Date(p.dueAt).toISOString() },
      });
    } catch (e) {
      // Tried again at every tick while the patrol is due; pilots see why meanwhile. Not only the
      // patrol's and the control's refusals: a database that is away refuses a launch too.
      const err = e instanceof Error ? e : new Error(String(e));
      // Refused by its checks: which ones, for the pages to name in their language.
      const failed = err instanceof PatrolError ? err.preflight?.filter((i) => !i.pass && !i.overridden) ?? [] : [];
      if (failed.length) this.refusedSaid.set(key, said('due_checks_failed', { checks: failed.map((i) => term(`check_${i.id}`, `${i.id} (${i.value})`)) }));
      else this.refusedSaid.delete(key);
      if (this.refused.get(key) !== err.message) {
        this.refused.set(key, err.message);
        this.d.audit.record({
          user: AUTO_PILOT,
          action: 'patrol.launch',
          target: p.vehicleId,
          result: 'refused',
          detail: { routeId: p.routeId, reason: err.message },
        });
      }
    } finally {
      this.launching.delete(key);
      this.show(this.listAt(Date.now()));
    }
  }

  list(): DuePatrol[] {
    return this.due;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
