/**
 * The logged-in officer's page: duty and location sharing, the live job list with its answers,
 * the ring for new offers, and the map of the selected job.
 */

import { isSignal, type ClientConfig, type GroundAlertView, type OfficerAnswer } from '../../../server/wire/types.ts';
import { setText } from '../dom.ts';
import { age } from '../format.ts';
import { connectLive, requestJson, type ConnectionState, type LiveSocket } from '../live.ts';
import type { SessionUser } from '../login.ts';
import { renderJob, updateLive, type CardState } from './job-card.ts';
import { JobMap } from './job-map.ts';
import { Jobs, type JobChanges } from './jobs.ts';
import { LocationWatch, type Fix, type LocationProblem } from './location.ts';
import { Ringer, type RingReport } from './ring.ts';
import { t } from '../i18n.ts';

const NOTICE_MS = 15_000;

export interface OfficerElements {
  connection: HTMLElement;
  /** the service announced it is stopping */
  shutdown: HTMLElement;
  duty: HTMLButtonElement;
  location: HTMLElement;
  soundLocked: HTMLElement;
  ringing: HTMLElement;
  silence: HTMLButtonElement;
  notice: HTMLElement;
  map: HTMLElement;
  jobs: HTMLElement;
  noJobs: HTMLElement;
}

export interface OfficerAppOptions {
  user: SessionUser;
  config: ClientConfig;
  elements: OfficerElements;
  /** the service refused the live connection (e.g. the session ended) */
  refused(): void;
}

/** The reason the service gave, without the "POST /api/…: " that requestJson puts in front. */
function serviceReason(error: unknown, request: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${request}: `) ? message.slice(request.length + 2) : message;
}

export class OfficerApp {
  private readonly jobs: Jobs;
  private readonly cards = new Map<number, CardState>();
  private readonly ringer: Ringer;
  private readonly watch: LocationWatch;
  private readonly map: JobMap;
  private readonly socket: LiveSocket;
  private here: Fix | null = null;
  private locationProblem: LocationProblem | null = null;
  private selected: number | null = null;
  private connection: { state: ConnectionState; detail?: string } = { state: 'connecting' };
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private catchUpNext = false;
  /** the reason the service gave for stopping, until it is back */
  private stopping: string | null = null;

  private readonly el: OfficerElements;
  /**
   * Duty as the service has it (null until it says: a new phone must not guess "off" and tell the
   * service so), or as this phone just asked for it.
   */
  private onDuty: boolean | null = null;
  /** what the service last said */
  private serviceOnDuty = false;
  /** a duty change asked for here that the service has not confirmed yet; sent on (re)connection */
  private wanted: boolean | null = null;
  private dutyInFlight = false;

  constructor(private readonly o: OfficerAppOptions) {
    const el = (this.el = o.elements);
    this.jobs = new Jobs(o.user.name);
    this.map = new JobMap(el.map, o.config);
    this.ringer = new Ringer((r) => this.showRing(r));
    this.watch = new LocationWatch((fix) => this.moved(fix), (problem) => {
      this.locationProblem = problem;
      this.showLocation();
    });
    // Browsers let a page make sound only after a tap; any tap will do.
    for (const type of ['pointerdown', 'keydown'] as const) document.addEventListener(type, () => this.ringer.unlock(), { capture: true });
    el.silence.addEventListener('click', () => this.ringer.stop());
    el.duty.addEventListener('click', () => this.askDuty(!this.onDuty));

    this.socket = connectLive({ snapshot: () => {}, update: () => {}, state: (state, detail) => this.connectionChanged(state, detail) });
    this.socket.on('connect', () => this.connected());
    this.socket.on('officer:status', (me) => this.serviceSays(me.onDuty));
    this.socket.on('server:shutdown', (reason) => this.showShutdown(reason));
    this.socket.on('alerts:ground', (list) => {
      // The first list after each (re)connection is the catch-up: all that is still open for me.
      this.apply(this.catchUpNext ? this.jobs.replace(list) : this.jobs.merge(list));
      this.catchUpNext = false;
    });
    this.socket.on('ground:offer', (alert, delivered) => {
      delivered(true);
      this.apply(this.jobs.merge([alert]));
    });

    this.showDuty();
    this.showLocation();
    this.render();
    setInterval(() => this.tick(), 1000);
  }

  /** Language changed: redraw every text. */
  relabel(): void {
    this.showConnection();
    this.showShutdown(this.stopping);
    this.showDuty();
    this.showLocation();
    this.render();
  }

  private connectionChanged(state: ConnectionState, detail?: string): void {
    this.connection = { state, detail };
    this.showConnection();
    if (state === 'connected') this.showShutdown(null);
    if (state === 'reconnecting') {
      // Whatever was on its way is lost with the connection. An officer on duty stays on duty:
      // the service may be restarting, and it forgets who was on duty.
      this.dutyInFlight = false;
      if (this.onDuty === true && this.wanted === null) this.wanted = true;
    }
    if (state === 'refused') this.o.refused();
  }

  private showShutdown(reason: string | null): void {
    this.stopping = reason;
    this.el.shutdown.hidden = reason === null;
    setText(this.el.shutdown, reason === null ? '' : t('officerStopping', { reason: isSignal(reason) ? t('stopSignal', { signal: reason }) : reason }));
  }

  private showConnection(): void {
    const { state, detail } = this.connection;
    const key = ({ connecting: 'connConnecting', connected: 'officerConnected', reconnecting: 'officerReconnecting', refused: 'connRefused' } as const)[state];
    this.el.connection.dataset.state = state;
    setText(this.el.connection, t(key, { detail: detail ?? '' }));
  }

  /** On each (re)connection the service sends our duty (officer:status); a change asked for meanwhile goes now. */
  private connected(): void {
    this.catchUpNext = true;
    this.sendDuty();
    if (this.onDuty && this.here) this.sendLocation(this.here);
  }

  /** The service's word on our duty (on connecting and on each change, from this phone or another). */
  private serviceSays(onDuty: boolean): void {
    this.serviceOnDuty = onDuty;
    if (this.wanted === onDuty && !this.dutyInFlight) this.wanted = null; // nothing to ask for
    if (this.wanted === null) this.showDutyState(onDuty);
    else this.sendDuty();
  }

  /** The officer tapped: shown at once, and sent (now or on connection). */
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
        this.notify(t('dutyFailed', { detail: err }));
        this.showDutyState(this.serviceOnDuty);
      } else if (this.wanted === wanted) this.wanted = null;
      else this.sendDuty(); // tapped again meanwhile
    });
  }

  private showDutyState(onDuty: boolean): void {
    if (onDuty === this.onDuty) return;
    this.onDuty = onDuty;
    if (onDuty) this.watch.start();
    else {
      this.watch.stop();
      this.here = null;
      this.locationProblem = null;
    }
    this.showDuty();
    this.showLocation();
    this.render();
  }

  private moved(fix: Fix): void {
    this.here = fix;
    this.locationProblem = null;
    this.sendLocation(fix);
    this.showLocation();
    this.refreshLive();
  }

  private sendLocation(fix: Fix): void {
    if (!this.socket.connected) return; // sent on connection
    this.socket.emit('officer:location', { lat: fix.lat, lon: fix.lon, accuracyM: fix.accuracyM }, (err) => {
      if (err) {
        this.locationProblem = { kind: 'unavailable', detail: t('locRejected', { detail: err }) };
        this.showLocation();
      }
    });
  }

  private showDuty(): void {
    const { duty } = this.el;
    const known = this.onDuty !== null;
    duty.setAttribute('aria-pressed', String(this.onDuty === true));
    duty.disabled = !known;
    setText(duty.querySelector<HTMLElement>('.duty__state')!, t(!known ? 'dutyUnknown' : this.onDuty ? 'dutyOn' : 'dutyOff'));
    setText(duty.querySelector<HTMLElement>('.duty__hint')!, !known ? '' : t(this.onDuty ? 'dutyTapOff' : 'dutyTapOn'));
  }

  private showLocation(): void {
    const p = this.locationProblem;
    let state: string;
    let text: string;
    if (!this.onDuty) [state, text] = ['off', t('locOff')];
    else if (p?.kind === 'denied') [state, text] = ['denied', t('locDenied')];
    else if (p?.kind === 'unsupported') [state, text] = ['denied', t('locUnsupported')];
    else if (p?.kind === 'unavailable') [state, text] = ['unavailable', t('locUnavailable', { detail: p.detail })];
    else if (this.here) [state, text] = ['shared', t('locShared', { accuracy: Math.round(this.here.accuracyM), age: age(this.here.time, Date.now()) })];
    else [state, text] = ['waiting', t('locWaiting')];
    this.el.location.dataset.state = state;
    setText(this.el.location, text);
  }

  private apply(changes: JobChanges): void {
    for (const d of changes.departures) {
      this.cards.delete(d.id);
      if (d.kind === 'taken') this.notify(t('takenBy', { id: d.id, who: d.by }));
      if (d.kind === 'reassigned') this.notify(t('reassignedTo', { id: d.id, who: d.to }));
      if (d.kind === 'closed') this.notify(t('jobClosed', { id: d.id }));
    }
    if (changes.newOffers.length) {
      // The newest offer is what the officer needs to see first.
      this.selected = changes.newOffers.at(-1)!.id;
      this.ringer.start();
    }
    if (this.jobs.awaitingAnswer().length === 0) this.ringer.stop();
    this.render();
  }

  private async answer(job: GroundAlertView, answer: OfficerAnswer): Promise<void> {
    const card = this.cardState(job.id);
    Object.assign(card, { sending: true, error: null });
    this.render();
    const path = `/api/alerts/${job.id}/answer`;
    try {
      const view = await requestJson<GroundAlertView>('POST', path, { answer });
      card.sending = false;
      this.apply(this.jobs.merge([view]));
    } catch (error) {
      Object.assign(card, { sending: false, error: t('answerRefused', { detail: serviceReason(error, `POST ${path}`) }) });
      this.render();
    }
  }

  private cardState(id: number): CardState {
    let s = this.cards.get(id);
    if (!s) this.cards.set(id, (s = { error: null, sending: false }));
    return s;
  }

  private selectedJob(): GroundAlertView | null {
    const list = this.jobs.list();
    return list.find((j) => j.id === this.selected) ?? list[0] ?? null;
  }

  /** Rebuild the list (only when jobs change or the language does: never under the officer's finger otherwise). */
  private render(): void {
    const list = this.jobs.list();
    const selected = this.selectedJob();
    this.el.noJobs.hidden = list.length > 0;
    const actions = {
      answer: (j: GroundAlertView, a: OfficerAnswer) => void this.answer(j, a),
      select: (j: GroundAlertView) => {
        this.selected = j.id;
        this.render();
      },
    };
    this.el.jobs.replaceChildren(...list.map((job) => renderJob(job, this.jobs.me, this.cardState(job.id), job.id === selected?.id, actions)));
    this.el.jobs.querySelector('.job__map-slot')?.replaceWith(this.el.map);
    this.refreshLive();
  }

  /** Distances, ages and the map follow the officer's movement without rebuilding the list. */
  private refreshLive(): void {
    this.updateCards();
    this.map.show(this.selectedJob(), this.here, { incident: t('incident'), you: t('you') });
  }

  private updateCards(): void {
    const now = Date.now();
    for (const card of this.el.jobs.querySelectorAll<HTMLElement>('.job')) {
      const job = this.jobs.get(Number(card.dataset.alertId));
      if (job) updateLive(card, job, this.here, now);
    }
  }

  private tick(): void {
    this.showLocation();
    this.updateCards();
  }

  private showRing(r: RingReport): void {
    this.el.ringing.hidden = !r.ringing;
    this.el.soundLocked.hidden = r.audio === 'running';
    // What the ring really did, readable by support staff (and the browser test).
    Object.assign(document.documentElement.dataset, {
      rings: String(r.rings), ringing: String(r.ringing), ringSound: r.sound, ringLevel: r.level.toFixed(3), ringVibrated: String(r.vibrated),
    });
  }

  private notify(text: string): void {
    clearTimeout(this.noticeTimer);
    this.el.notice.hidden = false;
    setText(this.el.notice, text);
    this.noticeTimer = setTimeout(() => (this.el.notice.hidden = true), NOTICE_MS);
  }
}
