/**
 * The alerts tab: aircraft alerts by severity with acknowledgement, ground alerts with each
 * officer's answers as they come in, and the officers on duty. Drawn by Preact from the live
 * state (at most once a frame) and from the requests in progress: an officer moving redraws the
 * list without re-enabling a button that waits for the service, or taking the keyboard's focus.
 */

import { effect, signal } from '@preact/signals';
import { render } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { AircraftAlertView, GroundAlertView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { t } from '../i18n.ts';
import { reasonOf, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import type { Ops } from '../ops.ts';
import { canManageAlerts, canRaiseAlerts } from '../roles.ts';
import { AircraftCard, GroundCard, OfficerRow, type CardActions } from './alert-cards.tsx';
import { categoryName } from './ground-markers.ts';

const SEVERITY_RANK = { warning: 0, caution: 1, info: 2 } as const;

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
  /** the count of alerts that want someone's attention, for the tab */
  badge(count: number): void;
  notice(text: string): void;
}

export class AlertsPanel {
  readonly highlighted = signal<number | null>(null);
  /** buttons waiting for the service's answer: "ack:<id>", "close:<id>" */
  readonly busy = signal<ReadonlySet<string>>(new Set());
  /** a ground alert to scroll into view once its card is drawn */
  scrollTo: number | null = null;

  constructor(
    root: HTMLElement,
    readonly deps: AlertsPanelDeps,
  ) {
    const { ops } = deps;
    effect(() => {
      ops.track('aircraft', 'ground');
      const waiting = [...ops.aircraft.values()].filter((a) => a.acknowledgedBy === null).length
        + [...ops.ground.values()].filter((a) => a.state === 'open' || a.state === 'dispatched').length;
      deps.badge(waiting);
    });
    render(<AlertsView panel={this} />, root);
  }

  /** Marks a ground alert (e.g. just raised, or clicked on the map) and scrolls it into view. */
  highlight(id: number): void {
    this.highlighted.value = id;
    this.scrollTo = id;
  }

  readonly actions: Omit<CardActions, 'busy'> = {
    callsign: (id) => this.deps.callsign(id),
    focusDrone: (id) => this.deps.focusDrone(id),
    show: (alert) => this.deps.focusAlert(alert),
    acknowledge: (alert) => void this.act(`ack:${alert.id}`, async () => {
      this.deps.ops.putAircraft(await requestJson<AircraftAlertView>('POST', `/api/aircraft-alerts/${alert.id}/ack`));
    }),
    close: (alert) => void this.close(alert),
  };

  private async close(alert: GroundAlertView): Promise<void> {
    const sure = await this.deps.confirm({
      title: t('closeAlertTitle'), message: t('closeAlertQuestion', { id: alert.id, category: categoryName(alert.category) }), confirm: t('closeAlert'),
    });
    if (!sure) return;
    await this.act(`close:${alert.id}`, async () => {
      this.deps.ops.putGround(await requestJson<GroundAlertView>('POST', `/api/alerts/${alert.id}/close`, {}));
    });
  }

  /** The button named by key waits until the service has answered. */
  private async act(key: string, request: () => Promise<void>): Promise<void> {
    this.busy.value = new Set([...this.busy.value, key]);
    try {
      await request();
    } catch (error) {
      this.deps.notice(t('alertActionFailed', { reason: reasonOf(error) }));
    } finally {
      this.busy.value = new Set([...this.busy.value].filter((k) => k !== key));
    }
  }
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
  const aircraft = [...ops.aircraft.values()].sort((a, b) =>
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || Number(a.acknowledgedBy !== null) - Number(b.acknowledgedBy !== null) || b.raisedAt - a.raisedAt);
  const ground = [...ops.ground.values()].sort((a, b) => a.priority - b.priority || b.createdAt - a.createdAt);
  const officers = [...ops.officers.values()].sort((a, b) => a.name.localeCompare(b.name));
  const highlighted = panel.highlighted.value;
  const actions: CardActions = { ...panel.actions, busy: panel.busy.value };
  return (
    <>
      <button type="button" class="button button--primary alerts__new" hidden={!canRaiseAlerts(user)} onClick={() => newAlert()}>{t('newGroundAlert')}</button>
      <h3 class="sidebar__subtitle">{t('aircraftAlerts')}</h3>
      <ol class="alert-list aircraft-alerts">
        {aircraft.length ? aircraft.map((a) => <AircraftCard key={a.id} alert={a} canAcknowledge={canRaiseAlerts(user)} actions={actions} />)
          : <li class="alert-list__empty">{t('noAircraftAlerts')}</li>}
      </ol>
      <h3 class="sidebar__subtitle">{t('groundAlerts')}</h3>
      <ol class="alert-list ground-alerts" ref={groundList}>
        {ground.length ? ground.map((a) => <GroundCard key={a.id} alert={a} highlighted={a.id === highlighted} canClose={canManageAlerts(user)} actions={actions} />)
          : <li class="alert-list__empty">{t('noGroundAlerts')}</li>}
      </ol>
      <h3 class="sidebar__subtitle">{t('officersOnDuty', { n: officers.length })}</h3>
      <ul class="officer-list">{officers.map((o) => <OfficerRow key={o.name} officer={o} busyWith={ops.busyWith(o.name)} />)}</ul>
    </>
  );
}
