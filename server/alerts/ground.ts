import { EventEmitter } from 'node:events';
import { getDistance } from 'geolib';
import type { AlertEvent, GroundAlertStore, GroundRow } from '../store/alerts.ts';
import type { DispatchView, GroundAlertState, GroundAlertView, GroundCategory, OfficerAnswer } from '../wire/types.ts';
import type { Officers } from './officers.ts';

export interface DispatchSettings {
  /** officers alerted at once, nearest first */
  waveSize: number;
  /** when nobody has accepted after this long, the next wave is alerted */
  escalateAfterMs: number;
  /** speed assumed for an ETA until an officer's own movement gives one */
  assumedSpeedMps: number;
  /** an officer whose phone has been offline longer than this is not alerted */
  phoneOfflineGraceMs: number;
}

export const DEFAULT_DISPATCH: DispatchSettings = { waveSize: 2, escalateAfterMs: 60_000, assumedSpeedMps: 5, phoneOfflineGraceMs: 60_000 };

export class DispatchError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Which answer may follow which: an officer's job goes forward only. */
const NEXT: Record<OfficerAnswer, GroundAlertState[]> = {
  accept: ['open', 'dispatched'],
  en_route: ['accepted'],
  on_scene: ['accepted', 'en_route'],
  resolved: ['accepted', 'en_route', 'on_scene'],
  decline: ['open', 'dispatched'],
};

/**
 * Ground alerts from a mark on the map to an officer on scene: alerts the nearest officers on
 * duty, escalates to the next ones when nobody accepts in time, and keeps every step in the
 * database, so a restart or a phone that was offline loses nothing.
 */
export class GroundDispatch extends EventEmitter<{ alert: [GroundAlertView]; offer: [officer: string, alert: GroundAlertView]; delivered: [latencyMs: number] }> {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  /** officer → the alert they hold; rebuilt after every change, read on every location update */
  private busy = new Map<string, number>();

  constructor(private readonly store: GroundAlertStore, private readonly officers: Officers, readonly settings: DispatchSettings = DEFAULT_DISPATCH) {
    super();
    officers.busyWith = (name) => this.busy.get(name) ?? null;
    this.refreshBusy();
    // After a restart: alerts nobody accepted go on escalating from where they were.
    for (const row of store.open()) {
      if (row.state === 'open' || row.state === 'dispatched') this.schedule(row.id, this.lastNotified(store.events(row.id)) ?? row.createdAt);
    }
    // An officer coming on duty (or moving) may be the one an unanswered alert was waiting for.
    officers.on('changed', (o) => {
      // The command room watches the assignee close in.
      const holding = this.busy.get(o.name);
      if (holding !== undefined) this.emitView(holding);
      if (!o.onDuty) return;
      for (const row of store.open()) if (row.state === 'open') this.wave(row.id);
    });
  }

  create(input: { category: GroundCategory; priority: number; lat: number; lon: number; note: string; vehicleId: string | null }, by: string): GroundAlertView {
    const row = this.store.create({ ...input, createdBy: by });
    this.wave(row.id);
    return this.view(row.id)!;
  }

  /** Alert the next nearest officers not yet alerted; schedule the wave after. */
  private wave(id: number): void {
    const row = this.store.get(id);
    if (!row || (row.state !== 'open' && row.state !== 'dispatched')) return;
    const already = new Set(this.store.events(id).filter((e) => e.kind === 'notified').map((e) => e.user));
    const next = this.officers.nearest(row.lat, row.lon)
      .filter(({ officer }) => !already.has(officer.name) && this.officers.busyWith(officer.name) === null && this.officers.reachable(officer, this.settings.phoneOfflineGraceMs))
      .slice(0, this.settings.waveSize);
    if (next.length === 0) {
      if (row.state === 'dispatched' && !this.store.events(id).some((e) => e.kind === 'no_more_officers')) {
        this.store.record(id, null, 'no_more_officers');
        this.emitView(id);
      }
      return;
    }
    for (const { officer, distanceM } of next) this.store.record(id, officer.name, 'notified', { distanceM }, 'dispatched');
    const view = this.emitView(id)!;
    for (const { officer } of next) this.emit('offer', officer.name, view);
    this.schedule(id, Date.now());
  }

  private schedule(id: number, from: number): void {
    clearTimeout(this.timers.get(id));
    const t = setTimeout(() => {
      this.timers.delete(id);
      this.wave(id);
    }, Math.max(0, from + this.settings.escalateAfterMs - Date.now()));
    this.timers.set(id, t);
  }

  answer(id: number, officer: string, answer: OfficerAnswer): GroundAlertView {
    const row = this.store.get(id);
    if (!row) throw new DispatchError(404, `no ground alert ${id}`);
    const events = this.store.events(id);
    const notified = events.some((e) => e.kind === 'notified' && e.user === officer);
    const assignee = this.assigneeOf(events);
    if (!notified && assignee !== officer) throw new DispatchError(403, `ground alert ${id} was not sent to ${officer}`);
    if (assignee && assignee !== officer) throw new DispatchError(409, `ground alert ${id} is already taken by ${assignee}`);
    if (!NEXT[answer].includes(row.state as GroundAlertState)) {
      throw new DispatchError(409, `cannot answer "${answer}" to ground alert ${id} in state ${row.state}`);
    }
    if (answer === 'decline') {
      this.store.record(id, officer, 'decline');
      // Everyone alerted said no: do not wait for the timer.
      const open = events.filter((e) => e.kind === 'notified').map((e) => e.user).filter((u) => u !== officer && !events.some((e) => e.kind === 'decline' && e.user === u));
      if (open.length === 0) this.wave(id);
    } else {
      this.store.record(id, officer, answer, undefined, answer === 'accept' ? 'accepted' : answer);
      if (answer === 'accept' || answer === 'resolved') {
        clearTimeout(this.timers.get(id));
        this.timers.delete(id);
      }
    }
    return this.emitView(id)!;
  }

  /** The officer's phone has the alert (it acknowledged the socket message, or fetched it). */
  delivered(id: number, officer: string): void {
    const events = this.store.events(id);
    if (!events.some((e) => e.kind === 'notified' && e.user === officer)) return;
    const notifiedAt = this.lastNotifiedTo(events, officer) ?? 0;
    if (events.some((e) => e.kind === 'delivered' && e.user === officer && e.time >= notifiedAt)) return;
    this.store.record(id, officer, 'delivered');
    this.emit('delivered', Date.now() - notifiedAt);
    this.emitView(id);
  }

  private lastNotifiedTo(events: AlertEvent[], officer: string): number | undefined {
    return events.filter((e) => e.kind === 'notified' && e.user === officer).at(-1)?.time;
  }

  /** Command room: give the job to a named officer (on duty or not), who is alerted at once. */
  reassign(id: number, officer: string, by: string): GroundAlertView {
    const row = this.store.get(id);
    if (!row) throw new DispatchError(404, `no ground alert ${id}`);
    if (row.state === 'resolved' || row.state === 'closed') throw new DispatchError(409, `ground alert ${id} is ${row.state}`);
    const o = this.officers.get(officer);
    const distanceM = o?.lat != null && o.lon != null ? getDistance({ latitude: row.lat, longitude: row.lon }, { latitude: o.lat, longitude: o.lon }) : null;
    this.store.record(id, by, 'reassigned', { officer });
    this.store.record(id, officer, 'notified', { distanceM }, 'dispatched');
    const view = this.emitView(id)!;
    this.emit('offer', officer, view);
    this.schedule(id, Date.now());
    return view;
  }

  close(id: number, by: string, note?: string): GroundAlertView {
    const row = this.store.get(id);
    if (!row) throw new DispatchError(404, `no ground alert ${id}`);
    if (row.state === 'closed') throw new DispatchError(409, `ground alert ${id} is already closed`);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.store.record(id, by, 'closed', note ? { note } : undefined, 'closed');
    return this.emitView(id)!;
  }

  private refreshBusy(): void {
    this.busy = new Map(this.openViews().filter((a) => a.assignee && a.state !== 'resolved').map((a) => [a.assignee!.officer, a.id]));
  }

  private emitView(id: number): GroundAlertView | undefined {
    this.refreshBusy();
    const v = this.view(id);
    if (v) this.emit('alert', v);
    return v;
  }

  private lastNotified(events: AlertEvent[]): number | undefined {
    return events.filter((e) => e.kind === 'notified').at(-1)?.time;
  }

  /** The officer who holds the job: the last to accept since the last reassignment. */
  private assigneeOf(events: AlertEvent[]): string | null {
    let who: string | null = null;
    for (const e of events) {
      if (e.kind === 'accept') who = e.user;
      if (e.kind === 'reassigned') who = null;
    }
    return who;
  }

  view(id: number): GroundAlertView | undefined {
    const row = this.store.get(id);
    return row && this.toView(row, this.store.events(id));
  }

  private toView(row: GroundRow, events: AlertEvent[]): GroundAlertView {
    const dispatch = new Map<string, DispatchView>();
    for (const e of events) {
      if (!e.user) continue;
      if (e.kind === 'notified') {
        dispatch.set(e.user, { officer: e.user, notifiedAt: e.time, deliveredAt: null, distanceM: (e.detail?.distanceM as number | null) ?? null, answer: null, answeredAt: null });
      } else if (e.kind === 'delivered') {
        const d = dispatch.get(e.user);
        if (d && d.deliveredAt === null) d.deliveredAt = e.time;
      } else if ((['accept', 'en_route', 'on_scene', 'resolved', 'decline'] as string[]).includes(e.kind)) {
        const d = dispatch.get(e.user);
        if (d) Object.assign(d, { answer: e.kind as OfficerAnswer, answeredAt: e.time });
      }
    }
    const name = this.assigneeOf(events);
    let assignee: GroundAlertView['assignee'] = null;
    if (name) {
      const o = this.officers.get(name);
      const here = o?.lat != null && o.lon != null;
      const distanceM = here ? getDistance({ latitude: row.lat, longitude: row.lon }, { latitude: o!.lat!, longitude: o!.lon! }) : null;
      const speed = o?.speedMps && o.speedMps > 0.5 ? o.speedMps : this.settings.assumedSpeedMps;
      assignee = { officer: name, lat: o?.lat ?? null, lon: o?.lon ?? null, distanceM, etaS: distanceM === null ? null : Math.round(distanceM / speed) };
    }
    return {
      id: row.id, category: row.category as GroundCategory, priority: row.priority, lat: row.lat, lon: row.lon, note: row.note,
      vehicleId: row.vehicleId, createdBy: row.createdBy, createdAt: row.createdAt, state: row.state as GroundAlertState,
      assignee, dispatch: [...dispatch.values()], closedAt: row.closedAt,
    };
  }

  openViews(): GroundAlertView[] {
    return this.store.open().map((r) => this.toView(r, this.store.events(r.id)));
  }

  /** What an officer's phone must show: open jobs sent to them that they have not declined and nobody else took. */
  viewsFor(officer: string): GroundAlertView[] {
    return this.openViews().filter((a) => {
      const d = a.dispatch.find((x) => x.officer === officer);
      return d && d.answer !== 'decline' && (!a.assignee || a.assignee.officer === officer);
    });
  }

  history(q: Parameters<GroundAlertStore['history']>[0]): GroundAlertView[] {
    return this.store.history(q).map((r) => this.toView(r, this.store.events(r.id)));
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
