/**
 * The dispatch desk: incidents (警情) and aircraft alerts (告警) in two tabs with their own counts,
 * which the header and the sidebar's tab repeat from the same numbers. An incident card says how
 * old it is and how long in its state, turns red and rings once when nobody has accepted it in
 * time, and lets the dispatcher give it to an officer chosen from a list or alert the next wave at
 * once; aircraft alerts are grouped per drone, worst on top, cleared ones acknowledged together.
 *
 * Drawn by Preact from the live state (at most once a frame) and from the requests in progress: an
 * officer moving redraws the list without re-enabling a button that waits for the service, or
 * taking the keyboard's focus.
 */

import { effect, signal, type Signal } from '@preact/signals';
import { render, type ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { AircraftAlertView, DispatchCandidate, GroundAlertView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { t, type StringKey } from '../i18n.ts';
import { ApiError, reasonOf, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import type { Ops } from '../ops.ts';
import { canManageAlerts, canRaiseAlerts } from '../roles.ts';
import { DroneAlertGroup } from './aircraft-groups.tsx';
import type { Candidates } from './assign-picker.tsx';
import { GroundCard, OfficerRow, type CardActions, type DeskState } from './alert-cards.tsx';
import { ringBell } from './bell.ts';
import { CloseOutcomeDialog } from './close-dialog.tsx';
import './desk.css';
import { byDrone, deskCounts, incidentOrder, type DeskCounts } from './desk-lists.ts';
import { browserTime, DeskClock, incidentTimes, type DeskTime } from './incident-clock.ts';

export interface AlertsPanelDeps {
  user: SessionUser;
  ops: Ops;
  confirm: Confirm;
  callsign(vehicleId: string): string;
  /** show this drone's panel */
  focusDrone(vehicleId: string): void;
  /** bring this ground alert into view */
  focusAlert(alert: GroundAlertView): void;
  newAlert(): void;
  /** where the desk's counts also show: the sidebar tab's badges and the header */
  tabBadges: HTMLElement;
  headerCounts: HTMLElement;
  /** bring the desk's sidebar tab forward */
  showDesk(): void;
  notice(text: string): void;
  /** the clock of the cards' timers (tests: a fake one) */
  time?: DeskTime;
  /** an incident card's drone line (无人机先行) */
  incidentDrone?(alert: GroundAlertView): ComponentChildren;
}

export type DeskView = 'incidents' | 'aircraft';

/** Refusals of the desk's own requests that the page says in its language (the service's words otherwise). */
const REFUSALS: Record<string, StringKey> = { wave_nobody_left: 'refusedWaveNobodyLeft', wave_not_waiting: 'refusedWaveNotWaiting' };

export class AlertsPanel {
  readonly highlighted = signal<number | null>(null);
  /** buttons waiting for the service's answer: "ack:<id>", "close:<id>", "assign:<id>", "wave:<id>", "ack-drone:<vehicle>", "ack-all" */
  readonly busy = signal<ReadonlySet<string>>(new Set());
  readonly view = signal<DeskView>('incidents');
  readonly now: Signal<number>;
  readonly picking = signal<DeskState['picking']>(null);
  /** a ground alert to scroll into view once its card is drawn */
  scrollTo: number | null = null;
  readonly clock: DeskClock;

  constructor(
    root: HTMLElement,
    readonly deps: AlertsPanelDeps,
  ) {
    const { ops } = deps;
    const time = deps.time ?? browserTime;
    this.now = signal(time.now());
    this.clock = new DeskClock(time, () => ops.ground.values(), () => ringBell(), (now) => (this.now.value = now));
    this.clock.start();
    // A change may make an incident overdue at once (e.g. the page opens on an old one).
    effect(() => {
      ops.track('ground');
      this.clock.check();
    });
    // An open officer list follows the officers as they move, go on duty or take jobs.
    effect(() => {
      ops.track('officers', 'ground');
      this.refreshCandidates();
    });
    render(<AlertsView panel={this} />, root);
    render(<TabBadges panel={this} />, deps.tabBadges);
    render(<HeaderCounts panel={this} />, deps.headerCounts);
  }

  /** The numbers every count on the page shows. */
  counts(): DeskCounts {
    this.deps.ops.track('aircraft', 'ground');
    return deskCounts(this.deps.ops.ground.values(), this.deps.ops.aircraft.values());
  }

  show(view: DeskView): void {
    this.view.value = view;
    this.deps.showDesk();
  }

  /** Marks a ground alert (e.g. just raised, or clicked on the map) and scrolls it into view. */
  highlight(id: number): void {
    this.view.value = 'incidents';
    this.highlighted.value = id;
    this.scrollTo = id;
  }

  readonly numberOf = (id: number) => this.deps.ops.ground.get(id)?.number ?? `#${id}`;

  readonly actions: Omit<CardActions, 'busy'> = {
    callsign: (id) => this.deps.callsign(id),
    focusDrone: (id) => this.deps.focusDrone(id),
    show: (alert) => this.deps.focusAlert(alert),
    acknowledge: (alert) =>
      void this.act(`ack:${alert.id}`, async () => {
        this.deps.ops.putAircraft(await requestJson<AircraftAlertView>('POST', `/api/aircraft-alerts/${alert.id}/ack`));
      }),
    close: (alert) => void this.close(alert),
    pickOfficer: (alert) => void this.pickOfficer(alert),
    assign: (alert, officer) =>
      void this.act(`assign:${alert.id}`, async () => {
        this.deps.ops.putGround(await requestJson<GroundAlertView>('POST', `/api/alerts/${alert.id}/reassign`, { officer }));
        if (this.picking.value?.id === alert.id) this.picking.value = null;
      }),
    nextWave: (alert) =>
      void this.act(`wave:${alert.id}`, async () => {
        this.deps.ops.putGround(await requestJson<GroundAlertView>('POST', `/api/alerts/${alert.id}/next-wave`));
      }),
    numberOf: this.numberOf,
    incidentDrone: (alert) => this.deps.incidentDrone?.(alert),
  };

  /** Opens the officer list of an incident (closes it when open): who is where, as the service knows now. */
  private async pickOfficer(alert: GroundAlertView): Promise<void> {
    if (this.picking.value?.id === alert.id) {
      this.picking.value = null;
      return;
    }
    this.picking.value = { id: alert.id, candidates: 'loading' };
    await this.loadCandidates();
  }

  private lastCandidates = 0;
  private candidatesDue: unknown = null;

  /** Asks for the open list again, at most every 2 s however often officers report. */
  private refreshCandidates(): void {
    const open = this.picking.peek();
    if (!open || open.candidates === 'loading' || this.candidatesDue !== null) return;
    const time = this.deps.time ?? browserTime;
    this.candidatesDue = time.setTimeout(() => {
      this.candidatesDue = null;
      void this.loadCandidates();
    }, Math.max(0, this.lastCandidates + 2000 - time.now()));
  }

  private async loadCandidates(): Promise<void> {
    const open = this.picking.peek();
    if (!open) return;
    this.lastCandidates = (this.deps.time ?? browserTime).now();
    let candidates: Candidates;
    try {
      candidates = await requestJson<DispatchCandidate[]>('GET', `/api/alerts/${open.id}/candidates`);
    } catch (error) {
      // A list already shown stays (a later change asks again); a first one says why it is missing.
      if (open.candidates !== 'loading') return;
      candidates = { error: t('alertActionFailed', { reason: reasonOf(error) }) };
    }
    if (this.picking.peek()?.id === open.id) this.picking.value = { id: open.id, candidates };
  }

  /** Acknowledges the given cleared aircraft alerts in one request. */
  acknowledgeCleared(ids: number[], key: string): void {
    void this.act(key, async () => {
      const done = await requestJson<{ acknowledged: number[] }>('POST', '/api/aircraft-alerts/ack', { ids });
      for (const id of done.acknowledged) {
        const a = this.deps.ops.aircraft.get(id);
        if (a) this.deps.ops.putAircraft({ ...a, acknowledgedBy: this.deps.user.name });
      }
    });
  }

  /** Closing asks how it ended (处置结果); the dialog sends the close and keeps the choice through a refusal. */
  private async close(alert: GroundAlertView): Promise<void> {
    this.outcomeDialog ??= new CloseOutcomeDialog();
    const closed = await this.outcomeDialog.ask(alert);
    if (closed) this.deps.ops.putGround(closed);
  }

  private outcomeDialog: CloseOutcomeDialog | null = null;

  /** The button named by key waits until the service has answered. */
  private async act(key: string, request: () => Promise<void>): Promise<void> {
    this.busy.value = new Set([...this.busy.value, key]);
    try {
      await request();
    } catch (error) {
      const body = error instanceof ApiError ? (error.body as { code?: string; params?: Record<string, string | number> } | undefined) : undefined;
      const known = body?.code ? REFUSALS[body.code] : undefined;
      this.deps.notice(t('alertActionFailed', { reason: known ? t(known, body?.params) : reasonOf(error) }));
    } finally {
      this.busy.value = new Set([...this.busy.value].filter((k) => k !== key));
    }
  }
}

function Badge({ n, kind, title }: { n: number; kind: DeskView; title: string }) {
  return <span class={`tab__badge desk-badge desk-badge--${kind}`} data-count={kind} title={title} hidden={n === 0}>{String(n)}</span>;
}

/** The sidebar tab's two counts. */
function TabBadges({ panel }: { panel: AlertsPanel }) {
  const c = panel.counts();
  return (
    <>
      <Badge n={c.incidents} kind='incidents' title={t('countIncidentsHint')} />
      <Badge n={c.aircraft} kind='aircraft' title={t('countAircraftHint')} />
    </>
  );
}

/** The header's counts: the same two numbers, each a way to its list; red while an incident is overdue, seen from any tab. */
function HeaderCounts({ panel }: { panel: AlertsPanel }) {
  const c = panel.counts();
  const now = panel.now.value;
  const overdue = [...panel.deps.ops.ground.values()].some((a) => incidentTimes(a, now).overdue);
  return (
    <>
      <button
        type='button'
        class={`top__count${c.incidents ? ' top__count--incidents' : ''}${overdue ? ' top__count--overdue' : ''}`}
        data-count='incidents'
        data-overdue={String(overdue)}
        title={t('countIncidentsHint')}
        onClick={() => panel.show('incidents')}
      >
        {t('countIncidents', { n: c.incidents })}
      </button>
      <button
        type='button'
        class={`top__count${c.aircraft ? ' top__count--aircraft' : ''}`}
        data-count='aircraft'
        title={t('countAircraftHint')}
        onClick={() => panel.show('aircraft')}
      >
        {t('countAircraft', { n: c.aircraft })}
      </button>
    </>
  );
}

function AlertsView({ panel }: { panel: AlertsPanel }) {
  const { user, ops, newAlert } = panel.deps;
  const groundList = useRef<HTMLOListElement>(null);
  useLayoutEffect(() => {
    const id = panel.scrollTo;
    const card = id === null ? null : groundList.current?.querySelector(`[data-alert-id="${id}"]`);
    if (!card) return;
    card.scrollIntoView({ block: 'nearest' });
    panel.scrollTo = null;
  });
  ops.track('aircraft', 'ground', 'officers');
  const now = panel.now.value;
  const view = panel.view.value;
  const counts = panel.counts();
  const ground = incidentOrder(ops.ground.values(), now);
  const drones = byDrone(ops.aircraft.values());
  const cleared = drones.flatMap((g) => g.clearedUnacknowledged);
  const officers = [...ops.officers.values()].sort((a, b) => a.name.localeCompare(b.name));
  const highlighted = panel.highlighted.value;
  const actions: CardActions = { ...panel.actions, busy: panel.busy.value };
  const desk: DeskState = { now, picking: panel.picking.value };
  const canAck = canRaiseAlerts(user);
  const tab = (name: DeskView, label: string, n: number, hint: string) => (
    <button type='button' role='tab' class='desk-tab' data-desk={name} aria-selected={view === name} onClick={() => (panel.view.value = name)}>
      {label}
      <Badge n={n} kind={name} title={hint} />
    </button>
  );
  return (
    <>
      <button type='button' class='button button--primary alerts__new' hidden={!canRaiseAlerts(user)} onClick={() => newAlert()}>{t('newGroundAlert')}</button>
      <div class='desk-tabs' role='tablist'>
        {tab('incidents', t('groundAlerts'), counts.incidents, t('countIncidentsHint'))}
        {tab('aircraft', t('aircraftAlerts'), counts.aircraft, t('countAircraftHint'))}
      </div>
      <section class='desk-pane' data-desk-pane='incidents' role='tabpanel' hidden={view !== 'incidents'}>
        <ol class='alert-list ground-alerts' ref={groundList}>
          {ground.length ?
            ground.map((a) => (
              <GroundCard key={a.id} alert={a} highlighted={a.id === highlighted} canClose={canManageAlerts(user)} actions={actions} desk={desk} />
            )) :
            <li class='alert-list__empty'>{t('noGroundAlerts')}</li>}
        </ol>
        <h3 class='sidebar__subtitle'>{t('officersOnDuty', { n: officers.length })}</h3>
        <ul class='officer-list'>{officers.map((o) => <OfficerRow key={o.name} officer={o} busyWith={ops.busyWith(o.name)} numberOf={panel.numberOf} />)}</ul>
      </section>
      <section class='desk-pane' data-desk-pane='aircraft' role='tabpanel' hidden={view !== 'aircraft'}>
        {canAck && cleared.length > 0 && (
          <button
            type='button'
            class='button aircraft-alerts__ack-cleared'
            data-ack-cleared='all'
            disabled={panel.busy.value.has('ack-all')}
            onClick={() => panel.acknowledgeCleared(cleared, 'ack-all')}
          >
            {t('ackClearedAll', { n: cleared.length })}
          </button>
        )}
        <ol class='drone-alert-groups aircraft-alerts'>
          {drones.length ?
            drones.map((g) => (
              <DroneAlertGroup
                key={g.vehicleId}
                group={g}
                canAcknowledge={canAck}
                actions={actions}
                acknowledgeCleared={(ids, key) => panel.acknowledgeCleared(ids, key)}
              />
            )) :
            <li class='alert-list__empty'>{t('noAircraftAlerts')}</li>}
        </ol>
      </section>
    </>
  );
}
