import { EventEmitter } from 'node:events';
import { getDistance } from 'geolib';
import { Refusal } from '../refusal.ts';
import type { AlertEvent, GroundAlertStore, GroundRow, HistoryQuery, IncidentQuery } from '../store/alerts.ts';
import { said, term, type MessageParam, type ServerMessage } from '../wire/messages.ts';
import type { DeclineReason, DispatchView, GroundAlertState, GroundAlertView, GroundCategory, HeatPoint, OfficerAnswer } from '../wire/types.ts';
import {
  INCIDENT_OUTCOMES,
  INCIDENT_STEPS,
  type IncidentFacts,
  type IncidentLogEntry,
  type IncidentOutcome,
  type IncidentStep,
  type NotAppliedAnswer,
  type OutcomeView,
} from '../wire/types.ts';
import { DEFAULT_NUMBERING, numberPrefix, type IncidentNumbering } from './incident-number.ts';
import type { Officers } from './officers.ts';
import { InOrder } from '../in-order.ts';

export interface DispatchSettings {
  /** officers alerted at once, nearest first */
  waveSize: number;
  /** when nobody has accepted after this long, the next wave is alerted */
  escalateAfterMs: number;
  /** speed assumed for an ETA until an officer's own movement gives one */
  assumedSpeedMps: number;
  /** an officer whose phone has been offline longer than this is not alerted */
  phoneOfflineGraceMs: number;
  /** ground alerts one user may raise a minute; POST /api/alerts answers 429 beyond it */
  createPerMinute: number;
}

export const DEFAULT_DISPATCH: DispatchSettings = {
  waveSize: 2,
  escalateAfterMs: 60_000,
  assumedSpeedMps: 5,
  phoneOfflineGraceMs: 60_000,
  createPerMinute: 20,
};

/**
 * Whether an alert is on an officer's phone: still open, sent to them, not declined, not taken
 * from them by a reassignment, and nobody else has accepted it. The phone page applies the same rule.
 */
export function showsOn(a: GroundAlertView, d: DispatchView): boolean {
  const open = a.state !== 'resolved' && a.state !== 'closed';
  return open && d.answer !== 'decline' && d.withdrawn === null && (!a.assignee || a.assignee.officer === d.officer);
}

/** What an officer's answer may carry besides the answer itself. */
export interface AnswerDetails {
  /**
   * When the officer tapped it, by the phone's clock (ms): a phone that was offline sends its
   * answers later. Kept within bounds: never in the future, never before the offer or the
   * officer's previous answer.
   */
  at?: number;
  /** why the officer declined */
  reason?: DeclineReason;
  /** with "resolved": how it ended (one of INCIDENT_OUTCOMES) and the officer's note */
  outcome?: string;
  note?: string;
}

/** A refused dispatch step: no such incident or officer, or a step out of order. */
export class DispatchError extends Refusal {
  /**
   * why: the refusal as a message (said in the page's language); code and params: the older code the
   * officer's phone knows an answer's refusal by (answer_reassigned, …), kept for phones already installed
   */
  constructor(kind: Refusal['kind'], why: string | ServerMessage, readonly code?: string, readonly params?: Record<string, string | number>) {
    super(kind, why);
  }
}

/** An incident as a refusal names it: its id in the service's English, its number (HF-20261203-001) on the pages. */
const incident = (id: number, number?: string | null): MessageParam => term('incidentRef', String(id), { number: number ?? String(id) });
const stateTerm = (state: string) => term(`ground_${state}`, state);
const outcomeList = () => INCIDENT_OUTCOMES.map((o) => term(`outcome_${o}`, o));

/** How an incident ended and what the person recording it adds. */
export interface OutcomeInput {
  outcome?: string;
  note?: string;
}

/** The outcome given, checked: an unknown one is refused naming it, before anything is written. */
function checkedOutcome(input: OutcomeInput | undefined): { code: IncidentOutcome; note: string } | undefined {
  if (input?.outcome === undefined) return undefined;
  if (!(INCIDENT_OUTCOMES as readonly string[]).includes(input.outcome)) {
    throw new DispatchError('invalid', said('incident_outcome_unknown', { outcome: input.outcome, outcomes: outcomeList() }), 'outcome_unknown', {
      outcome: input.outcome,
    });
  }
  return { code: input.outcome as IncidentOutcome, note: input.note?.trim() ?? '' };
}

/** The answers an officer's event can be (the other events are the service's and the command room's). */
const OFFICER_STEPS: OfficerAnswer[] = ['accept', 'en_route', 'on_scene', 'resolved', 'decline'];

/** When an officer's answer was made: the phone's time when it sent one (answers queued offline), else when it arrived. */
const eventTime = (e: AlertEvent): number => (typeof e.detail?.at === 'number' ? e.detail.at : e.time);

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
 *
 * Officers' phones report where they are every second or faster, with hundreds of alerts open:
 * a location update must cost what it changes and no more. So who holds which job, which phones
 * show which alert and which alerts wait for anyone are kept up to date at each change of an
 * alert (emitView), never rebuilt from all alerts; a move only redraws the assignee part of the
 * jobs that officer holds, from the view already built.
 *
 * The views last sent are kept (the desk's open incidents and the latest ended ones): the pages'
 * lists and the lookups of the drones and the video (known) answer from them without the
 * database. The steps of one incident run one after another (each reads it, decides, then writes).
 */
export class GroundDispatch extends EventEmitter<{
  /** an alert changed: everyone watching the fleet gets it, and the officers in `phones` (whose phones show it now or did until this change) */
  alert: [alert: GroundAlertView, phones: string[]];
  offer: [officer: string, alert: GroundAlertView];
  delivered: [latencyMs: number];
}> {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  /** officer → the alerts they accepted and have not finished */
  private readonly held = new Map<string, Set<number>>();
  /** alert → its assignee, while it is open */
  private readonly holder = new Map<number, string>();
  /** the last view sent of each incident on the desk, and of the latest ended ones (`ended`) */
  private readonly views = new Map<number, GroundAlertView>();
  /** the ended incidents kept in `views`, the longest ended first */
  private readonly ended = new Set<number>();
  /** alert → officers whose phones show it (the catch-up rule, see showsOn) */
  private readonly phones = new Map<number, Set<string>>();
  /** alerts in state open: nobody could be alerted yet */
  private readonly waiting = new Set<number>();
  /** each incident's steps, one after another */
  private readonly steps = new InOrder();
  /** incidents with a wave queued and not begun (a wave is queued once, however often officers move) */
  private readonly wavesQueued = new Set<number>();
  /** views read from the database and built, since start (a measure of work, for tests and /metrics) */
  viewsBuilt = 0;
  /**
   * Whether this dispatch acts: alerts officers, escalates, records deliveries. In a city only the
   * desk's does (one node, under a lease): the others mirror its views (mirror()), so their pages,
   * the drones' incident checks and the officers' catch-up read the same incidents, and no incident
   * is escalated twice. Alone, a node's dispatch always acts.
   */
  private active = true;
  /**
   * The numbering of an incident at a place: in a city, that of the station whose area holds it
   * (each station numbers its own incidents, HF-20261204-003, whichever node is the desk); alone, this
   * station's.
   */
  numberingAt: (p: { lat: number; lon: number }) => IncidentNumbering = () => this.numbering;
  /** where a passive dispatch sends a delivery its node's phone confirmed: to the desk */
  deliveredElsewhere: (id: number, officer: string) => void = () => {};

  /**
   * Start dispatching: incidents from before numbers existed get theirs, the desk's open incidents
   * (and the latest raised, ended or not) are read, and those nobody accepted go on escalating from where they were.
   * warn: where a step nobody waits for (an escalation, a delivery) is told when the database refuses it.
   */
  static async open(
    store: GroundAlertStore,
    officers: Officers,
    settings: DispatchSettings = DEFAULT_DISPATCH,
    numbering: IncidentNumbering = DEFAULT_NUMBERING,
    warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    active = true,
  ): Promise<GroundDispatch> {
    if (active) await store.numberOld((at) => numberPrefix(numbering, at));
    const d = new GroundDispatch(store, officers, settings, numbering, warn);
    d.active = active;
    await d.load();
    return d;
  }

  /** The desk's open incidents and the latest ended ones from the store; those nobody accepted escalate from where they were, when acting. */
  private async load(): Promise<void> {
    const [open, recent] = await Promise.all([this.store.open(), this.store.history({ limit: KEPT_ENDED })]);
    const byId = new Map([...recent.reverse(), ...open].map((r) => [r.row.id, r]));
    for (const { row, events } of byId.values()) this.track(this.toView(row, events));
    for (const { row, events } of open) {
      if (row.state === 'open' || row.state === 'dispatched') this.schedule(row.id, lastNotified(events) ?? row.createdAt);
    }
  }

  /**
   * This node's dispatch becomes the city's desk (it took the lease), or stops being it. Taking it
   * reads the incidents again from the store, and escalations go on from their last wave, as after
   * a restart; giving it up stops every timer.
   */
  async setActive(active: boolean): Promise<void> {
    if (active === this.active) return;
    this.active = active;
    if (!active) return this.stop();
    await this.store.numberOld((at) => numberPrefix(this.numbering, at));
    await this.load();
  }

  get acting(): boolean {
    return this.active;
  }

  /** An incident as the desk sent it: kept, as if it had changed here (a passive dispatch only). */
  mirror(v: GroundAlertView): void {
    if (!this.active) this.track(v);
  }

  private constructor(
    private readonly store: GroundAlertStore,
    private readonly officers: Officers,
    readonly settings: DispatchSettings,
    private readonly numbering: IncidentNumbering,
    private readonly warn: (line: string) => void,
  ) {
    super();
    officers.busyWith = (name) => this.held.get(name)?.values().next().value ?? null;
    officers.on('changed', (o) => this.officerChanged(o.name));
  }

  /** An officer moved, or came on duty, or a phone of theirs came or went. */
  private officerChanged(name: string): void {
    if (!this.active) return; // the desk redraws and alerts
    // The command room watches the assignee close in.
    for (const id of this.held.get(name) ?? []) this.moved(id, name);
    // Alerts that reached nobody wait for an officer who can take them: this one, if they now can.
    if (this.waiting.size === 0 || !this.available(name)) return;
    for (const id of this.waiting) this.waveLater(id);
  }

  /** An enabled officer on duty, located, reachable and free: what a wave asks of an officer. */
  private available(name: string): boolean {
    const o = this.officers.get(name);
    return o !== undefined && this.officers.mayServe(name) && o.onDuty && o.lat !== null && o.lon !== null && !this.held.has(name) &&
      this.officers.reachable(o, this.settings.phoneOfflineGraceMs);
  }

  /** Redraw the distance and ETA of a held job from its assignee's new position; send it only if they changed. */
  private moved(id: number, name: string): void {
    const before = this.views.get(id);
    if (!before) return;
    const assignee = this.assigneeView(before, name);
    const a = before.assignee;
    if (a && a.lat === assignee.lat && a.lon === assignee.lon && a.distanceM === assignee.distanceM && a.etaS === assignee.etaS) return;
    const v = { ...before, assignee };
    this.views.set(id, v);
    this.emit('alert', v, [...(this.phones.get(id) ?? [])]);
  }

  async create(
    input: { category: GroundCategory; priority: number; lat: number; lon: number; note: string; vehicleId: string | null },
    by: string,
  ): Promise<GroundAlertView> {
    const numbering = this.numberingAt(input);
    const row = await this.store.create({ ...input, createdBy: by }, (at) => numberPrefix(numbering, at));
    return this.steps.run(row.id, async () => {
      this.waiting.add(row.id);
      await this.wave(row.id);
      // Nobody to alert yet: the command room still sees it, waiting.
      return this.waiting.has(row.id) ? (await this.emitView(row.id))! : (await this.view(row.id))!;
    });
  }

  /** A wave after the incident's steps queued before it; a failure is told (nobody waits for it). */
  private waveLater(id: number): void {
    if (!this.active || this.wavesQueued.has(id)) return;
    this.wavesQueued.add(id);
    this.steps.run(id, () => {
      this.wavesQueued.delete(id);
      return this.wave(id);
    }).catch((err: unknown) => this.warn(`incident ${id}: the next wave failed: ${(err as Error).message}`));
  }

  /** Alert the next nearest officers not yet alerted; schedule the wave after. Inside the incident's step. */
  private async wave(id: number): Promise<void> {
    const row = await this.store.get(id);
    if (!row || (row.state !== 'open' && row.state !== 'dispatched')) return;
    const events = await this.store.events(id);
    await this.officers.accountsCurrent(); // an account demoted elsewhere a moment ago is not chosen
    const next = this.nextOfficers(row, events);
    if (next.length === 0) {
      if (row.state === 'dispatched' && !events.some((e) => e.kind === 'no_more_officers')) {
        await this.store.record(id, null, 'no_more_officers');
        await this.emitView(id);
      }
      return;
    }
    for (const { officer, distanceM } of next) await this.store.record(id, officer.name, 'notified', { distanceM }, 'dispatched');
    const view = (await this.emitView(id))!;
    for (const { officer } of next) this.emit('offer', officer.name, view);
    this.schedule(id, Date.now());
  }

  /** The next wave: the nearest free, reachable officers on duty not yet alerted for this incident. */
  private nextOfficers(row: GroundRow, events: AlertEvent[]) {
    const already = new Set(events.filter((e) => e.kind === 'notified').map((e) => e.user));
    return this.officers.nearest(row.lat, row.lon)
      .filter(({ officer }) =>
        !already.has(officer.name) && this.officers.busyWith(officer.name) === null && this.officers.reachable(officer, this.settings.phoneOfflineGraceMs)
      )
      .slice(0, this.settings.waveSize);
  }

  /**
   * Command room: alert the next wave now instead of after escalateAfterS. Refused, writing
   * nothing, when someone has accepted it already or when no officer is left to alert.
   */
  nextWave(id: number, by: string): Promise<GroundAlertView> {
    return this.steps.run(id, async () => {
      const row = await this.store.get(id);
      if (!row) throw new DispatchError('not_found', said('incident_unknown', { id }));
      if (row.state !== 'open' && row.state !== 'dispatched') {
        throw new DispatchError(
          'conflict',
          said('incident_wave_not_waiting', { id: incident(id, row.number), state: stateTerm(row.state) }),
          'wave_not_waiting',
          {
            number: row.number ?? id,
          },
        );
      }
      if (this.nextOfficers(row, await this.store.events(id)).length === 0) {
        throw new DispatchError('conflict', said('incident_nobody_left', { id: incident(id, row.number) }), 'wave_nobody_left', { number: row.number ?? id });
      }
      await this.store.record(id, by, 'wave_requested');
      await this.wave(id);
      return (await this.view(id))!;
    });
  }

  private schedule(id: number, from: number): void {
    if (!this.active) return;
    clearTimeout(this.timers.get(id));
    const t = setTimeout(() => {
      this.timers.delete(id);
      this.waveLater(id);
    }, Math.max(0, from + this.settings.escalateAfterMs - Date.now()));
    this.timers.set(id, t);
  }

  /**
   * An officer's answer. "resolved" carries how it ended (details.outcome, and a note). A resolve
   * with no outcome, as phone pages from before outcomes send it (an installed page may be old),
   * is still taken (the officer is done; refusing would strand them on scene), but the incident
   * then stays on the command room's desk until a dispatcher closes it with one.
   */
  answer(id: number, officer: string, answer: OfficerAnswer, details: AnswerDetails = {}): Promise<GroundAlertView> {
    return this.steps.run(id, async () => {
      const row = await this.store.get(id);
      if (!row) throw new DispatchError('not_found', said('incident_unknown', { id }));
      if (answer !== 'resolved' && (details.outcome !== undefined || details.note !== undefined)) {
        throw new DispatchError('invalid', said('incident_outcome_with_resolved', { answer: term(`answer_${answer}`, answer) }));
      }
      const outcome = checkedOutcome(details);
      const events = await this.store.events(id);
      const notified = events.some((e) => e.kind === 'notified' && e.user === officer);
      const assignee = this.assigneeOf(events);
      if (!notified && assignee !== officer) throw new DispatchError('forbidden', said('incident_not_sent_to', { id: incident(id, row.number), officer }));
      const at = this.answerTime(events, officer, details.at);
      // Too late (an answer made offline arrives after the job moved on): kept in the alert's story all the same, not applied.
      const away = this.withdrawals(events).get(officer);
      if (away) {
        const why = said('incident_reassigned', { id: incident(id, row.number), to: away.to });
        throw await this.refused(id, officer, answer, at, why, 'answer_reassigned', { to: away.to });
      }
      if (assignee && assignee !== officer) {
        throw await this.refused(id, officer, answer, at, said('incident_taken', { id: incident(id, row.number), by: assignee }), 'answer_taken', {
          by: assignee,
        });
      }
      // The same answer again (a phone re-sending what the service took before the connection broke) changes nothing.
      if (this.lastAnswerSinceOffer(events, officer) === answer && (answer === 'decline' || row.state === (answer === 'accept' ? 'accepted' : answer))) {
        return (await this.view(id))!;
      }
      if (!NEXT[answer].includes(row.state as GroundAlertState)) {
        const why = said('incident_out_of_order', { answer: term(`answer_${answer}`, answer), id: incident(id, row.number), state: stateTerm(row.state) });
        throw await this.refused(id, officer, answer, at, why, 'answer_out_of_order', { answer, state: row.state });
      }
      const detail = { ...(at !== undefined && { at }), ...(answer === 'decline' && details.reason && { reason: details.reason }) };
      const extra = Object.keys(detail).length ? detail : undefined;
      if (answer === 'decline') {
        await this.store.record(id, officer, 'decline', extra);
        // Everyone alerted said no: do not wait for the timer.
        const open = events.filter((e) => e.kind === 'notified').map((e) => e.user).filter((u) =>
          u !== officer && !events.some((e) => e.kind === 'decline' && e.user === u)
        );
        if (open.length === 0) await this.wave(id);
      } else {
        await this.store.record(id, officer, answer, extra, answer === 'accept' ? 'accepted' : answer, outcome);
        if (answer === 'accept' || answer === 'resolved') {
          clearTimeout(this.timers.get(id));
          this.timers.delete(id);
        }
      }
      return (await this.emitView(id))!;
    });
  }

  /**
   * An answer not applied, recorded in the incident's story; returns the refusal to throw.
   * code and params: the refusal for the phone to say in its language (answer_reassigned, answer_taken, answer_out_of_order)
   */
  private async refused(
    id: number,
    officer: string,
    answer: OfficerAnswer,
    at: number | undefined,
    why: ServerMessage,
    code: string,
    params: Record<string, string>,
  ): Promise<DispatchError> {
    const refusal = new DispatchError('conflict', why, code, params);
    await this.store.record(id, officer, 'refused', { answer, reason: refusal.message, code, params, ...(at !== undefined && { at }) });
    return refusal;
  }

  /** This officer's last answer since the job was last offered to them. */
  private lastAnswerSinceOffer(events: AlertEvent[], officer: string): OfficerAnswer | null {
    let last: OfficerAnswer | null = null;
    for (const e of events) {
      if (e.user !== officer) continue;
      if (e.kind === 'notified') last = null;
      else if ((OFFICER_STEPS as string[]).includes(e.kind)) last = e.kind as OfficerAnswer;
    }
    return last;
  }

  /**
   * When an answer was made, from the phone's clock: not later than now, not before this
   * officer's offer nor their previous answer (a phone's clock may be off; the order stands).
   */
  private answerTime(events: AlertEvent[], officer: string, at: number | undefined): number | undefined {
    if (at === undefined) return undefined;
    let floor = 0;
    for (const e of events) {
      if (e.user !== officer) continue;
      if (e.kind === 'notified') floor = Math.max(floor, e.time);
      if ((OFFICER_STEPS as string[]).includes(e.kind)) floor = Math.max(floor, eventTime(e));
    }
    return Math.min(Date.now(), Math.max(floor, Math.round(at)));
  }

  /**
   * The officer's phone has the alert (it acknowledged the socket message, or fetched it). Nobody
   * waits on its answer: a failure to record it is told, never thrown.
   */
  delivered(id: number, officer: string): Promise<void> {
    if (!this.active) {
      this.deliveredElsewhere(id, officer);
      return Promise.resolve();
    }
    return this.steps.run(id, async () => {
      const events = await this.store.events(id);
      if (!events.some((e) => e.kind === 'notified' && e.user === officer)) return;
      const notifiedAt = events.filter((e) => e.kind === 'notified' && e.user === officer).at(-1)?.time ?? 0;
      if (events.some((e) => e.kind === 'delivered' && e.user === officer && e.time >= notifiedAt)) return;
      await this.store.record(id, officer, 'delivered');
      this.emit('delivered', Date.now() - notifiedAt);
      await this.emitView(id);
    }).catch((err: unknown) => this.warn(`incident ${id}: delivery to ${officer} not recorded: ${(err as Error).message}`));
  }

  /**
   * Command room: give the job to a named officer (on duty or not; the caller checks that the name
   * is an officer's), who is alerted at once. Whoever had it or was offered it no longer has it.
   */
  reassign(id: number, officer: string, by: string): Promise<GroundAlertView> {
    return this.steps.run(id, async () => {
      const row = await this.store.get(id);
      if (!row) throw new DispatchError('not_found', said('incident_unknown', { id }));
      if (row.state === 'resolved' || row.state === 'closed') {
        throw new DispatchError('conflict', said('incident_is', { id: incident(id, row.number), state: stateTerm(row.state) }));
      }
      const o = this.officers.get(officer);
      const distanceM = o?.lat != null && o.lon != null ? getDistance({ latitude: row.lat, longitude: row.lon }, { latitude: o.lat, longitude: o.lon }) : null;
      await this.store.record(id, by, 'reassigned', { officer });
      await this.store.record(id, officer, 'notified', { distanceM }, 'dispatched');
      const view = (await this.emitView(id))!;
      this.emit('offer', officer, view);
      this.schedule(id, Date.now());
      return view;
    });
  }

  /**
   * Command room: the incident is over. It needs an outcome: the one given here, or the one the
   * officer recorded when resolving it (kept if none is given; one given here is the last word,
   * and both stay in the events).
   */
  close(id: number, by: string, given: OutcomeInput = {}): Promise<GroundAlertView> {
    return this.steps.run(id, async () => {
      const row = await this.store.get(id);
      if (!row) throw new DispatchError('not_found', said('incident_unknown', { id }));
      if (row.state === 'closed') throw new DispatchError('conflict', said('incident_closed_already', { id: incident(id, row.number) }));
      const outcome = checkedOutcome(given);
      if (!outcome && row.outcome === null) {
        throw new DispatchError(
          'invalid',
          said('incident_outcome_required', { id: incident(id, row.number), outcomes: outcomeList() }),
          'outcome_required',
          { id },
        );
      }
      clearTimeout(this.timers.get(id));
      this.timers.delete(id);
      const note = given.note?.trim();
      await this.store.record(id, by, 'closed', !outcome && note ? { note } : undefined, 'closed', outcome);
      return (await this.emitView(id))!;
    });
  }

  /** Build the alert's view from the database, keep the indexes up to date and send it. */
  private async emitView(id: number): Promise<GroundAlertView | undefined> {
    const v = await this.view(id);
    if (v) this.emit('alert', v, this.track(v));
    return v;
  }

  /**
   * Update who holds the alert, which phones show it, whether it waits for anyone and the view
   * kept of it, from its new view. Returns the phones to tell: those that show it now, and those
   * that did until now.
   */
  private track(v: GroundAlertView): string[] {
    const open = v.state !== 'resolved' && v.state !== 'closed';
    const before = this.phones.get(v.id);
    const now = new Set(v.dispatch.filter((d) => showsOn(v, d)).map((d) => d.officer));
    if (now.size) this.phones.set(v.id, now);
    else this.phones.delete(v.id);
    if (v.state === 'open') this.waiting.add(v.id);
    else this.waiting.delete(v.id);

    const was = this.holder.get(v.id);
    const is = open && v.assignee ? v.assignee.officer : undefined;
    if (was !== is) {
      if (was !== undefined) {
        this.held.get(was)?.delete(v.id);
        if (this.held.get(was)?.size === 0) this.held.delete(was);
        this.holder.delete(v.id);
      }
      if (is !== undefined) {
        this.held.set(is, (this.held.get(is) ?? new Set()).add(v.id));
        this.holder.set(v.id, is);
      }
    }
    this.keep(v);
    return [...new Set([...(before ?? []), ...now])];
  }

  /** Keep the view: always while on the desk, then among the latest KEPT_ENDED ended ones. */
  private keep(v: GroundAlertView): void {
    this.views.set(v.id, v);
    this.ended.delete(v.id);
    if (onDesk(v)) return;
    this.ended.add(v.id);
    if (this.ended.size > KEPT_ENDED) {
      const oldest = this.ended.values().next().value!;
      this.ended.delete(oldest);
      this.views.delete(oldest);
    }
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

  /**
   * Officers the command room took the job from: alerted (or holding it) before it was reassigned
   * to someone else, and not alerted again since.
   */
  private withdrawals(events: AlertEvent[]): Map<string, { at: number; to: string }> {
    const out = new Map<string, { at: number; to: string }>();
    const alerted = new Set<string>();
    for (const e of events) {
      if (e.kind === 'notified' && e.user) {
        alerted.add(e.user);
        out.delete(e.user);
      } else if (e.kind === 'reassigned') {
        const to = String(e.detail?.officer);
        for (const o of alerted) if (o !== to && !out.has(o)) out.set(o, { at: e.time, to });
      }
    }
    return out;
  }

  /** The incident's number, for an audit entry (undefined: no such incident). */
  async numberOf(id: number): Promise<string | undefined> {
    if (!Number.isInteger(id)) return undefined;
    return this.views.get(id)?.number ?? ((await this.store.get(id))?.number || undefined);
  }

  /**
   * The incident as last sent, without the database: those on the desk and the latest ended ones
   * (KEPT_ENDED); undefined for an older one (or none). For what cannot wait: a drone's checks, the video.
   */
  known(id: number): GroundAlertView | undefined {
    return this.views.get(id);
  }

  /** The incident, built from the database (undefined: no such incident). */
  async view(id: number): Promise<GroundAlertView | undefined> {
    const row = await this.store.get(id);
    return row && this.toView(row, await this.store.events(id));
  }

  private toView(row: GroundRow, events: AlertEvent[]): GroundAlertView {
    this.viewsBuilt++;
    const withdrawn = this.withdrawals(events);
    const dispatch = new Map<string, DispatchView>();
    for (const e of events) {
      if (!e.user) continue;
      if (e.kind === 'notified') {
        dispatch.set(e.user, {
          officer: e.user,
          notifiedAt: e.time,
          deliveredAt: null,
          distanceM: (e.detail?.distanceM as number | null) ?? null,
          answer: null,
          answeredAt: null,
          declineReason: null,
          withdrawn: null,
        });
      } else if (e.kind === 'delivered') {
        const d = dispatch.get(e.user);
        if (d && d.deliveredAt === null) d.deliveredAt = e.time;
      } else if ((OFFICER_STEPS as string[]).includes(e.kind)) {
        const d = dispatch.get(e.user);
        if (d)
          Object.assign(d, {
            answer: e.kind as OfficerAnswer,
            answeredAt: eventTime(e),
            declineReason: (e.detail?.reason as DeclineReason | undefined) ?? null,
          });
      }
    }
    for (const d of dispatch.values()) d.withdrawn = withdrawn.get(d.officer) ?? null;
    const name = this.assigneeOf(events);
    return {
      ...factsOf(row),
      createdAt: row.createdAt,
      assignee: name ? this.assigneeView(row, name) : null,
      dispatch: [...dispatch.values()],
      closedAt: row.closedAt,
      ...waitClock(row, events, this.settings.escalateAfterMs),
    };
  }

  /** Where the assignee is, how far from the incident and how long until they are there. */
  private assigneeView(at: { lat: number; lon: number }, name: string): NonNullable<GroundAlertView['assignee']> {
    const o = this.officers.get(name);
    const here = o?.lat != null && o.lon != null;
    const distanceM = here ? getDistance({ latitude: at.lat, longitude: at.lon }, { latitude: o!.lat!, longitude: o!.lon! }) : null;
    const speed = o?.speedMps && o.speedMps > 0.5 ? o.speedMps : this.settings.assumedSpeedMps;
    return { officer: name, lat: o?.lat ?? null, lon: o?.lon ?? null, distanceM, etaS: distanceM === null ? null : Math.round(distanceM / speed) };
  }

  /** The command room's desk, as last sent: incidents not finished, and those resolved without an outcome. */
  openViews(): GroundAlertView[] {
    return [...this.views.values()].filter(onDesk).sort((a, b) => a.id - b.id);
  }

  /** What an officer's phone must show (see showsOn), as last sent. */
  viewsFor(officer: string): GroundAlertView[] {
    const ids = [...this.phones].filter(([, shown]) => shown.has(officer)).map(([id]) => id).sort((a, b) => a - b);
    return ids.map((id) => this.views.get(id)).filter((a): a is GroundAlertView => a !== undefined);
  }

  /** The history's incident log: each incident with who took it, how it ended and the time of each step. */
  async log(q: IncidentQuery): Promise<IncidentLogEntry[]> {
    return (await this.store.log(q)).map(({ row, events }) => logEntry(row, events));
  }

  /** The heat map of the log's selection: where each incident was. */
  heat(q: IncidentQuery): Promise<HeatPoint[]> {
    return this.store.heat(q);
  }

  async history(q: HistoryQuery): Promise<GroundAlertView[]> {
    return (await this.store.history(q)).map(({ row, events }) => this.toView(row, events));
  }

  /** Resolves when every step asked for so far (escalations and deliveries too) has ended. */
  async idle(): Promise<void> {
    await this.steps.done();
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/** Ended incidents whose views are kept (the drones' lookups of a recent one), the longest ended dropped first. */
const KEPT_ENDED = 500;

/** On the command room's desk: not finished, or resolved without an outcome (GroundAlertStore.open). */
const onDesk = (v: GroundAlertView) => v.state !== 'closed' && !(v.state === 'resolved' && v.outcome !== null);

function lastNotified(events: AlertEvent[]): number | undefined {
  return events.filter((e) => e.kind === 'notified').at(-1)?.time;
}

/** The incident as every view names and places it (an incident stored before numbers had none: #id). */
function factsOf(row: GroundRow): IncidentFacts {
  return {
    id: row.id,
    number: row.number ?? `#${row.id}`,
    category: row.category as GroundCategory,
    priority: row.priority,
    lat: row.lat,
    lon: row.lon,
    note: row.note,
    vehicleId: row.vehicleId,
    createdBy: row.createdBy,
    state: row.state as GroundAlertState,
    outcome: outcomeOf(row),
  };
}

export function outcomeOf(row: GroundRow): OutcomeView | null {
  return row.outcome === null ? null : { code: row.outcome as IncidentOutcome, note: row.outcomeNote ?? '', by: row.outcomeBy ?? '', at: row.outcomeAt ?? 0 };
}

/** The event kind that marks each officer step. */
const STEP_EVENT: Partial<Record<IncidentStep, string>> = { accepted: 'accept', en_route: 'en_route', on_scene: 'on_scene', resolved: 'resolved' };

/**
 * An incident as the log shows it. Raised, offered and delivered are the first time each happened;
 * the officer's steps are those of the officer who took the job last (after a reassignment the
 * earlier officer's steps are in the events, not the timeline).
 */
export function logEntry(row: GroundRow, events: AlertEvent[]): IncidentLogEntry {
  const lastAccept = events.findLastIndex((e) => e.kind === 'accept');
  const officer = lastAccept < 0 ? null : events[lastAccept]!.user;
  const timeline = Object.fromEntries(INCIDENT_STEPS.map((step) => [step, null])) as IncidentLogEntry['timeline'];
  timeline.raised = row.createdAt;
  timeline.offered = events.find((e) => e.kind === 'notified')?.time ?? null;
  timeline.delivered = events.find((e) => e.kind === 'delivered')?.time ?? null;
  if (lastAccept >= 0) {
    for (const [step, kind] of Object.entries(STEP_EVENT) as [IncidentStep, string][]) {
      const e = events.slice(lastAccept).find((x) => x.kind === kind && x.user === officer);
      timeline[step] = e ? eventTime(e) : null;
    }
  }
  timeline.closed = events.find((e) => e.kind === 'closed')?.time ?? null;
  return {
    ...factsOf(row),
    officer,
    timeline,
    notApplied: notApplied(events),
  };
}

/** The officers' answers kept in the incident's events but not applied (see GroundDispatch.refuse). */
function notApplied(events: AlertEvent[]): NotAppliedAnswer[] {
  return events.filter((e) => e.kind === 'refused' && e.user !== null).map((e) => ({
    officer: e.user!,
    answer: e.detail?.answer as OfficerAnswer,
    at: eventTime(e),
    code: typeof e.detail?.code === 'string' ? e.detail.code : null,
    params: (e.detail?.params as Record<string, string> | undefined) ?? {},
    reason: String(e.detail?.reason ?? ''),
  }));
}

/** The state each event leaves an incident in (other events leave it as it was). */
const STATE_AFTER: Record<string, GroundAlertState> = {
  created: 'open',
  notified: 'dispatched',
  accept: 'accepted',
  en_route: 'en_route',
  on_scene: 'on_scene',
  resolved: 'resolved',
  closed: 'closed',
};

/**
 * The card's clocks: since when the incident is in its present state, and from when it is overdue,
 * waiting with nobody accepted longer than escalateAfterMs since it was raised or since the
 * dispatcher last sent it on (assigned it, or alerted the next wave). The automatic waves do not
 * restart it: they are what happens while nobody acts, and the desk must see that.
 */
export function waitClock(row: GroundRow, events: AlertEvent[], escalateAfterMs: number): Pick<GroundAlertView, 'stateSince' | 'overdueAt'> {
  let state: GroundAlertState | null = null;
  let stateSince = row.createdAt;
  let waitingFrom = row.createdAt;
  for (const e of events) {
    const next = STATE_AFTER[e.kind];
    if (next && next !== state) {
      state = next;
      stateSince = e.time;
    }
    if (e.kind === 'reassigned' || e.kind === 'wave_requested') waitingFrom = e.time;
  }
  const waiting = row.state === 'open' || row.state === 'dispatched';
  return { stateSince, overdueAt: waiting ? waitingFrom + escalateAfterMs : null };
}
