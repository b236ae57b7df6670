/**
 * The logged-in officer's page: duty and location sharing, the live job list with its answers,
 * the ring for new offers, and the map of the selected job. The page is drawn by Preact from
 * this state (officer-view.tsx); the map and the ring are driven by hand.
 */

import { signal } from '@preact/signals';
import { isServerMessage, type ServerMessage } from '../../../server/wire/messages.ts';
import type { ClientConfig, GroundAlertView, JobDroneView, OfficerAnswer } from '../../../server/wire/types.ts';
import { phrase, type Phrase, type StringKey } from '../i18n.ts';
import { ApiError, connectLive, reasonOf, requestJson, type ConnectionState, type LiveSocket } from '../live.ts';
import { stoppingText } from '../status.ts';
import type { SessionUser } from '../login.ts';
import { OfficerVideos } from '../video/officer-video.tsx';
import type { CardState } from './job-card.tsx';
import type { AnswerExtra } from './job-steps.tsx';
import { JobMap } from './job-map.ts';
import { Jobs, type JobChanges } from './jobs.ts';
import { LocationWatch, type Fix, type LocationProblem } from './location.ts';
import type { Notice } from './notice.ts';
import { Outbox, type QueuedAnswer } from './outbox.ts';
import { Ringer, type RingReport } from './ring.ts';

export interface OfficerAppOptions {
  user: SessionUser;
  config: ClientConfig;
  /** the page's short notes (a job taken by someone else, a refusal) */
  notice: Notice;
  /** the service refused the live connection (e.g. the session ended) */
  refused(): void;
}

/** After a card changes, its buttons wait this long before taking a tap: the second tap of a double tap lands on nothing. */
const ARM_MS = 700;
/** While answers wait for the network, try again this often (besides on reconnection) */
const RETRY_MS = 10_000;

/** An answer that arrived too late to apply, as the phone says it (until the officer dismisses it). */
export interface LateAnswer {
  key: string;
  id: number;
  answer: OfficerAnswer;
  at: number;
  /** the service's refusal, as a phrase when the page knows its code, else its words */
  reason: Phrase | string;
}

/** Why the service refused an answer: in the page's words when it sent a code, else in its own. */
function refusal(error: ApiError): Phrase | string {
  const body = error.body as { code?: unknown; params?: Record<string, string | number> } | undefined;
  const p = body?.params ?? {};
  if (body?.code === 'answer_reassigned') return phrase('late_reassigned', { to: String(p.to) });
  if (body?.code === 'answer_taken') return phrase('late_taken', { by: String(p.by) });
  if (body?.code === 'answer_out_of_order' && typeof p.state === 'string') return phrase('late_state', { state: phrase(`job_${p.state}` as StringKey) });
  return reasonOf(error);
}

export class OfficerApp {
  readonly jobs: Jobs;
  /** the jobs as listed: waiting for my answer first, then those I hold */
  readonly list = signal<GroundAlertView[]>([]);
  readonly cards = signal<ReadonlyMap<number, CardState>>(new Map());
  readonly selected = signal<number | null>(null);
  readonly here = signal<Fix | null>(null);
  readonly locationProblem = signal<LocationProblem | null>(null);
  /** detail: the service's words, or its message (said in the page's language when drawn) */
  readonly connection = signal<{ state: ConnectionState; detail: string | ServerMessage }>({ state: 'connecting', detail: '' });
  /** the service's reason for stopping, until it is back */
  readonly stopping = signal<Phrase | null>(null);
  readonly ring = signal<{ ringing: boolean; soundLocked: boolean }>({ ringing: false, soundLocked: true });
  /**
   * Duty as the service has it (null until it says: a new phone must not guess "off" and tell the
   * service so), or as this phone just asked for it.
   */
  readonly onDuty = signal<boolean | null>(null);
  readonly now = signal(Date.now());
  /** this phone's answers waiting to be sent (kept across reloads) */
  readonly queued = signal<readonly QueuedAnswer[]>([]);
  /** the first waiting answer failed to go: the phone is offline (or the service is), and says the answers wait */
  readonly held = signal(false);
  /** the browser says there is no network */
  readonly offline = signal(!navigator.onLine);
  /** when this phone made each answer the service took ("id:answer" → ms), so a card shows every step's time */
  readonly made = signal<ReadonlyMap<string, number>>(new Map());
  /** answers made offline that the service no longer applied */
  readonly late = signal<LateAnswer[]>([]);
  /** the drone sent over each job's incident (无人机先行), as the service last said */
  readonly drones = signal<ReadonlyMap<number, JobDroneView>>(new Map());
  /** and its live video, while it serves the incident */
  readonly videos = new OfficerVideos(this.drones);
  private readonly outbox: Outbox;
  private flushing = false;
  readonly map: JobMap;
  private readonly ringer: Ringer;
  private readonly watch: LocationWatch;
  private readonly socket: LiveSocket;
  private catchUpNext = false;
  /** what the service last said */
  private serviceOnDuty = false;
  /** a duty change asked for here that the service has not confirmed yet; sent on (re)connection */
  private wanted: boolean | null = null;
  private dutyInFlight = false;

  constructor(readonly o: OfficerAppOptions) {
    this.jobs = new Jobs(o.user.name);
    this.outbox = new Outbox(o.user.name, (items) => (this.queued.value = items));
    this.queued.value = this.outbox.all;
    // Answers kept from before a reload waited already: if they cannot go now, say so.
    this.held.value = this.outbox.all.length > 0;
    const mapElement = Object.assign(document.createElement('div'), { id: 'job-map', className: 'job-map', hidden: true });
    this.map = new JobMap(mapElement, o.config);
    this.ringer = new Ringer((r) => this.showRing(r));
    this.watch = new LocationWatch((fix) => this.moved(fix), (problem) => (this.locationProblem.value = problem));
    // Browsers let a page make sound only after a tap; any tap will do.
    for (const type of ['pointerdown', 'keydown'] as const) document.addEventListener(type, () => this.ringer.unlock(), { capture: true });

    this.socket = connectLive({ snapshot: () => {}, update: () => {}, state: (state, detail) => this.connectionChanged(state, detail) });
    this.socket.on('connect', () => this.connected());
    this.socket.on('officer:status', (me) => this.serviceSays(me.onDuty));
    this.socket.on('server:shutdown', (reason, said) => this.showShutdown(reason, said));
    this.socket.on('alerts:ground', (list) => {
      // The first list after each (re)connection is the catch-up: all that is still open for me.
      this.apply(this.catchUpNext ? this.jobs.replace(list) : this.jobs.merge(list));
      this.catchUpNext = false;
    });
    this.socket.on('job:drone', (d) => (this.drones.value = new Map(this.drones.value).set(d.alertId, d)));
    this.socket.on('ground:offer', (alert, delivered) => {
      delivered(true);
      this.apply(this.jobs.merge([alert]));
    });
    setInterval(() => (this.now.value = Date.now()), 1000);
    window.addEventListener('online', () => {
      this.offline.value = false;
      void this.flush();
    });
    window.addEventListener('offline', () => (this.offline.value = true));
    setInterval(() => {
      if (this.held.value && navigator.onLine) void this.flush();
    }, RETRY_MS);
    void this.flush();
  }

  silence(): void {
    this.ringer.stop();
  }

  /** The officer tapped the duty button: shown at once, and sent (now or on connection). */
  toggleDuty(): void {
    this.askDuty(!this.onDuty.value);
  }

  select(job: GroundAlertView): void {
    this.selected.value = job.id;
  }

  /** The job shown on the map: the one picked, else the first. */
  selectedJob(): GroundAlertView | null {
    const list = this.list.value;
    return list.find((j) => j.id === this.selected.value) ?? list[0] ?? null;
  }

  cardState(id: number): CardState {
    return this.cards.value.get(id) ?? { error: null, sending: false, armedAt: 0 };
  }

  private setCard(id: number, state: Partial<CardState>): void {
    this.cards.value = new Map(this.cards.value).set(id, { ...this.cardState(id), ...state });
  }

  /** The card just changed under the officer's finger: its buttons take no tap for a moment. */
  private arm(id: number): void {
    this.setCard(id, { armedAt: Date.now() + ARM_MS });
    setTimeout(() => (this.now.value = Date.now()), ARM_MS + 20);
  }

  dismissLate(key: string): void {
    this.late.value = this.late.value.filter((l) => l.key !== key);
  }

  private connectionChanged(state: ConnectionState, detail?: string | ServerMessage): void {
    this.connection.value = { state, detail: detail ?? '' };
    if (state === 'connected') this.showShutdown(null);
    if (state === 'reconnecting') {
      // Whatever was on its way is lost with the connection. An officer on duty stays on duty:
      // the service may be restarting, and it forgets who was on duty.
      this.dutyInFlight = false;
      if (this.onDuty.value === true && this.wanted === null) this.wanted = true;
    }
    if (state === 'refused') this.o.refused();
  }

  private showShutdown(reason: string | null, said?: unknown): void {
    this.stopping.value = reason === null ?
      null
      : phrase('officerStopping', { reason: () => stoppingText({ reason, ...(isServerMessage(said) && { said }) }) });
  }

  /** On each (re)connection the service sends our duty (officer:status); a change asked for meanwhile goes now. */
  private connected(): void {
    this.catchUpNext = true;
    // The service says again which drones are over my jobs now: none is kept from before.
    this.drones.value = new Map();
    // What went wrong before the connection came back is past: the answers waiting go now.
    const cards = new Map(this.cards.value);
    for (const [id, c] of cards) if (c.error !== null) cards.set(id, { ...c, error: null });
    this.cards.value = cards;
    void this.flush();
    this.sendDuty();
    const here = this.here.value;
    if (this.onDuty.value && here) this.sendLocation(here);
  }

  /** The service's word on our duty (on connecting and on each change, from this phone or another). */
  private serviceSays(onDuty: boolean): void {
    this.serviceOnDuty = onDuty;
    if (this.wanted === onDuty && !this.dutyInFlight) this.wanted = null; // nothing to ask for
    if (this.wanted === null) this.showDutyState(onDuty);
    else this.sendDuty();
  }

  private askDuty(onDuty: boolean): void {
    this.wanted = onDuty;
    this.showDutyState(onDuty);
    this.sendDuty();
  }

  private sendDuty(): void {
    const wanted = this.wanted;
    if (wanted === null || this.dutyInFlight || !this.socket.connected) return;
    this.dutyInFlight = true;
    this.socket.emit('officer:duty', wanted, (err) => {
      this.dutyInFlight = false;
      if (err) {
        // Refused: the service's state stands.
        this.wanted = null;
        this.o.notice.show(phrase('dutyFailed', { detail: err }));
        this.showDutyState(this.serviceOnDuty);
      } else if (this.wanted === wanted) this.wanted = null;
      else this.sendDuty(); // tapped again meanwhile
    });
  }

  private showDutyState(onDuty: boolean): void {
    if (onDuty === this.onDuty.value) return;
    this.onDuty.value = onDuty;
    if (onDuty) this.watch.start();
    else {
      this.watch.stop();
      this.here.value = null;
      this.locationProblem.value = null;
    }
  }

  private moved(fix: Fix): void {
    this.here.value = fix;
    this.locationProblem.value = null;
    this.sendLocation(fix);
  }

  private sendLocation(fix: Fix): void {
    if (!this.socket.connected) return; // sent on connection
    this.socket.emit('officer:location', { lat: fix.lat, lon: fix.lon, accuracyM: fix.accuracyM }, (err) => {
      if (err) this.locationProblem.value = { kind: 'unavailable', detail: err, rejected: true };
    });
  }

  private apply(changes: JobChanges): void {
    const before = new Map(this.list.value.map((j) => [j.id, j.state]));
    const cards = new Map(this.cards.value);
    // A job is named by its incident number, as the command room names it.
    const numbers = new Map(this.list.value.map((j) => [j.id, j.number]));
    for (const d of changes.departures) {
      cards.delete(d.id);
      const id = numbers.get(d.id) ?? `#${d.id}`;
      if (d.kind === 'taken') this.o.notice.show(phrase('takenBy', { id, who: d.by }));
      if (d.kind === 'reassigned') this.o.notice.show(phrase('reassignedTo', { id, who: d.to }));
      if (d.kind === 'closed') this.o.notice.show(phrase('jobClosed', { id }));
    }
    this.cards.value = cards;
    if (changes.newOffers.length) {
      // The newest offer is what the officer needs to see first.
      this.selected.value = changes.newOffers.at(-1)!.id;
      this.ringer.start();
    }
    if (this.unanswered() === 0) this.ringer.stop();
    this.list.value = this.jobs.list();
    for (const j of this.list.value) if (before.get(j.id) !== j.state) this.arm(j.id);
  }

  /** Offers still waiting for the officer: not answered by the service's word, nor by an answer waiting here. */
  private unanswered(): number {
    return this.jobs.awaitingAnswer().filter((j) => this.outbox.forJob(j.id).length === 0).length;
  }

  /**
   * The officer answered: the answer goes into the outbox with the time of the tap, then out in
   * order. Without a network it waits there (the card moves on and says so) and goes on reconnection.
   */
  answer(job: GroundAlertView, answer: OfficerAnswer, extra: AnswerExtra = {}): void {
    this.outbox.add({ id: job.id, answer, at: Date.now(), ...extra });
    this.setCard(job.id, { error: null });
    this.arm(job.id);
    if (this.unanswered() === 0) this.ringer.stop();
    void this.flush();
  }

  /** Send the waiting answers, oldest first, one at a time; stop at the first that cannot go. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let q = this.outbox.all[0]; q; q = this.outbox.all[0]) {
        if (!(await this.send(q))) break;
      }
      if (this.outbox.all.length === 0) this.held.value = false;
    } finally {
      this.flushing = false;
    }
  }

  /** One answer to the service; false: it could not go (no network, the service down) and waits. */
  private async send(q: QueuedAnswer): Promise<boolean> {
    const path = `/api/alerts/${q.id}/answer`;
    const waited = this.held.value;
    this.setCard(q.id, { sending: true });
    try {
      const view = await requestJson<GroundAlertView>('POST', path, { answer: q.answer, at: q.at, reason: q.reason, outcome: q.outcome, note: q.note });
      this.outbox.shift();
      this.made.value = new Map(this.made.value).set(`${q.id}:${q.answer}`, q.at);
      this.setCard(q.id, { sending: false, error: null });
      this.apply(this.jobs.merge([view]));
      return true;
    } catch (error) {
      this.setCard(q.id, { sending: false });
      // No network, the service down, or the session ended (the page asks for a login): it waits, nothing is dropped.
      if (!(error instanceof ApiError) || error.status >= 500 || error.status === 401) {
        this.held.value = true;
        return false;
      }
      // Refused for good: it leaves the outbox. Made offline and refused now, it is a late answer, said as such.
      this.outbox.shift();
      if (waited) this.late.value = [...this.late.value, { key: `${q.id}@${q.at}@${q.answer}`, id: q.id, answer: q.answer, at: q.at, reason: refusal(error) }];
      else this.setCard(q.id, { error: refusal(error) });
      return true;
    }
  }

  private showRing(r: RingReport): void {
    this.ring.value = { ringing: r.ringing, soundLocked: r.audio !== 'running' };
    // What the ring really did, readable by support staff (and the browser test).
    Object.assign(document.documentElement.dataset, {
      rings: String(r.rings),
      ringing: String(r.ringing),
      ringSound: r.sound,
      ringLevel: r.level.toFixed(3),
      ringVibrated: String(r.vibrated),
    });
  }
}
