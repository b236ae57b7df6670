/**
 * The alerts tab: aircraft alerts by severity with acknowledgement, ground alerts with each
 * officer's answers as they come in, and the officers on duty. Lists are redrawn in the next frame
 * after a change (alerts change seldom; drones many times a second).
 */

import type { AircraftAlertView, GroundAlertView, OfficerView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { button, make, setText } from '../dom.ts';
import { clockTime, distance, duration } from '../format.ts';
import { renderNextFrame } from '../frame.ts';
import { t, tOptional, translateStatic, type StringKey } from '../i18n.ts';
import { reasonOf, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import type { Ops } from '../ops.ts';
import { canManageAlerts, canRaiseAlerts } from '../roles.ts';
import { categoryName, groundStateName } from './ground-markers.ts';

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
  private readonly aircraft = make('ol', 'alert-list aircraft-alerts');
  private readonly ground = make('ol', 'alert-list ground-alerts');
  private readonly officers = make('ul', 'officer-list');
  private readonly officersTitle = make('h3', 'sidebar__subtitle');
  private readonly render = () => this.draw();
  private highlighted: number | null = null;

  constructor(
    root: HTMLElement,
    private readonly deps: AlertsPanelDeps,
  ) {
    const create = button('button button--primary alerts__new', 'newGroundAlert');
    create.hidden = !canRaiseAlerts(deps.user);
    create.addEventListener('click', () => deps.newAlert());
    const title = (key: StringKey) => {
      const heading = make('h3', 'sidebar__subtitle');
      heading.dataset.i18n = key;
      return heading;
    };
    root.append(create, title('aircraftAlerts'), this.aircraft, title('groundAlerts'), this.ground, this.officersTitle, this.officers);
    translateStatic(root);
    root.addEventListener('click', (event) => void this.onClick(event));
    for (const topic of ['aircraft', 'ground', 'officers'] as const) deps.ops.on(topic, () => renderNextFrame(this.render));
  }

  relabel(): void {
    renderNextFrame(this.render);
  }

  /** Marks a ground alert (e.g. just raised, or clicked on the map) and scrolls it into view. */
  highlight(id: number): void {
    this.highlighted = id;
    this.draw();
    this.ground.querySelector(`[data-alert-id="${id}"]`)?.scrollIntoView({ block: 'nearest' });
  }

  private draw(): void {
    const { ops } = this.deps;
    const aircraft = [...ops.aircraft.values()].sort((a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || Number(a.acknowledgedBy !== null) - Number(b.acknowledgedBy !== null) || b.raisedAt - a.raisedAt);
    this.aircraft.replaceChildren(...(aircraft.length ? aircraft.map((a) => this.aircraftItem(a)) : [make('li', 'alert-list__empty', t('noAircraftAlerts'))]));
    const ground = [...ops.ground.values()].sort((a, b) => a.priority - b.priority || b.createdAt - a.createdAt);
    this.ground.replaceChildren(...(ground.length ? ground.map((a) => this.groundItem(a)) : [make('li', 'alert-list__empty', t('noGroundAlerts'))]));
    const officers = [...ops.officers.values()].sort((a, b) => a.name.localeCompare(b.name));
    setText(this.officersTitle, t('officersOnDuty', { n: officers.length }));
    this.officers.replaceChildren(...officers.map((o) => this.officerItem(o)));
    const waiting = aircraft.filter((a) => a.acknowledgedBy === null).length + ground.filter((a) => a.state === 'open' || a.state === 'dispatched').length;
    this.deps.badge(waiting);
  }

  private aircraftItem(a: AircraftAlertView): HTMLLIElement {
    const item = make('li', `aircraft-alert aircraft-alert--${a.severity}${a.clearedAt ? ' aircraft-alert--cleared' : ''}`);
    item.dataset.alertId = String(a.id);
    const top = make('div', 'alert-card__top');
    const drone = make('button', 'link alert-card__drone', this.deps.callsign(a.vehicleId));
    drone.type = 'button';
    drone.dataset.focusDrone = a.vehicleId;
    top.append(make('span', 'severity-badge', tOptional(`sev_${a.severity}`, a.severity)), drone, make('span', 'alert-card__time', clockTime(a.raisedAt)));
    item.append(top, make('p', 'alert-card__message', a.message));
    const status = a.clearedAt ? t('alertCleared', { time: clockTime(a.clearedAt) }) : t('alertActive');
    const bottom = make('div', 'alert-card__bottom');
    bottom.append(make('span', 'alert-card__status', status));
    if (a.acknowledgedBy) bottom.append(make('span', 'alert-card__ack', t('acknowledgedBy', { user: a.acknowledgedBy })));
    else if (canRaiseAlerts(this.deps.user)) {
      const ack = button('button alert-card__ack-button', 'acknowledge');
      ack.dataset.ack = String(a.id);
      bottom.append(ack);
    }
    item.append(bottom);
    return item;
  }

  private groundItem(a: GroundAlertView): HTMLLIElement {
    const item = make('li', `ground-card ground-card--${a.state}${a.id === this.highlighted ? ' ground-card--highlighted' : ''}`);
    item.dataset.alertId = String(a.id);
    item.dataset.state = a.state;
    const top = make('div', 'alert-card__top');
    top.append(
      make('span', `priority-badge priority-badge--${a.priority}`, `P${a.priority}`),
      make('span', 'ground-card__category', `#${a.id} ${categoryName(a.category)}`),
      make('span', `state-badge state-badge--${a.state}`, groundStateName(a.state)),
    );
    item.append(top);
    if (a.note) item.append(make('p', 'alert-card__message', a.note));
    const from = a.vehicleId ? ` · ${t('fromDrone', { drone: this.deps.callsign(a.vehicleId) })}` : '';
    item.append(make('p', 'alert-card__meta', `${t('raisedBy', { user: a.createdBy, time: clockTime(a.createdAt) })}${from}`));
    if (a.assignee) {
      const eta = a.assignee.etaS === null ? '' : ` · ${t('eta', { eta: duration(a.assignee.etaS) })}`;
      const away = a.assignee.distanceM === null ? '' : ` · ${distance(a.assignee.distanceM)}`;
      item.append(make('p', 'ground-card__assignee', `${t('assignedTo', { officer: a.assignee.officer })}${away}${eta}`));
    }
    if (a.dispatch.length) {
      const list = make('ul', 'dispatch');
      for (const d of a.dispatch) {
        const row = make('li', `dispatch__row${d.answer ? ` dispatch__row--${d.answer}` : ''}`);
        row.dataset.officer = d.officer;
        const answer = d.answer ? `${tOptional(`answer_${d.answer}`, d.answer)} ${clockTime(d.answeredAt ?? d.notifiedAt)}` : d.deliveredAt ? t('delivered') : t('notDelivered');
        row.append(make('span', 'dispatch__officer', d.officer), make('span', 'dispatch__answer', answer));
        list.append(row);
      }
      item.append(list);
    }
    const buttons = make('div', 'alert-card__buttons');
    const show = button('button ground-card__show', 'showOnMap');
    show.dataset.show = String(a.id);
    buttons.append(show);
    if (canManageAlerts(this.deps.user)) {
      const close = button('button ground-card__close', 'closeAlert');
      close.dataset.close = String(a.id);
      buttons.append(close);
    }
    item.append(buttons);
    return item;
  }

  private officerItem(o: OfficerView): HTMLLIElement {
    const busy = this.deps.ops.busyWith(o.name);
    const item = make('li', `officer-row${busy !== null ? ' officer-row--busy' : ''}${o.phoneOnline ? '' : ' officer-row--offline'}`);
    item.dataset.officer = o.name;
    const where = busy !== null ? t('busyWith', { id: busy }) : !o.phoneOnline ? t('phoneOffline') : o.lat === null ? t('noLocation') : t('available');
    item.append(make('span', 'officer-row__name', o.displayName || o.name), make('span', 'officer-row__state', where));
    return item;
  }

  private async onClick(event: Event): Promise<void> {
    const target = (event.target as Element).closest<HTMLElement>('[data-ack], [data-show], [data-close], [data-focus-drone]');
    if (!target) return;
    const { ops } = this.deps;
    if (target.dataset.focusDrone) this.deps.focusDrone(target.dataset.focusDrone);
    else if (target.dataset.show) {
      const alert = ops.ground.get(Number(target.dataset.show));
      if (alert) this.deps.focusAlert(alert);
    } else if (target.dataset.ack) {
      await this.act(target, () => requestJson<AircraftAlertView>('POST', `/api/aircraft-alerts/${target.dataset.ack}/ack`).then((a) => ops.putAircraft(a)));
    } else if (target.dataset.close) {
      const alert = ops.ground.get(Number(target.dataset.close));
      if (!alert) return;
      const sure = await this.deps.confirm({ title: t('closeAlertTitle'), message: t('closeAlertQuestion', { id: alert.id, category: categoryName(alert.category) }), confirm: t('closeAlert') });
      if (sure) await this.act(target, () => requestJson<GroundAlertView>('POST', `/api/alerts/${alert.id}/close`, {}).then((a) => ops.putGround(a)));
    }
  }

  private async act(button: HTMLElement, request: () => Promise<void>): Promise<void> {
    (button as HTMLButtonElement).disabled = true;
    try {
      await request();
    } catch (error) {
      this.deps.notice(t('alertActionFailed', { reason: reasonOf(error) }));
      (button as HTMLButtonElement).disabled = false;
    }
  }
}
