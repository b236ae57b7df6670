/** The cards of the alerts tab: an aircraft alert, a ground alert with its officers' answers, an officer on duty. */

import type { AircraftAlertView, GroundAlertView, OfficerView } from '../../../server/wire/types.ts';
import { clockTime, distance, duration } from '../format.ts';
import { t, tOptional } from '../i18n.ts';
import { categoryName, groundStateName } from './ground-markers.ts';
import { Said } from '../said.tsx';

/** What a card's buttons do, and which of them wait for an answer from the service. */
export interface CardActions {
  busy: ReadonlySet<string>;
  callsign(vehicleId: string): string;
  focusDrone(vehicleId: string): void;
  acknowledge(alert: AircraftAlertView): void;
  show(alert: GroundAlertView): void;
  close(alert: GroundAlertView): void;
}

export function AircraftCard({ alert: a, canAcknowledge, actions }: { alert: AircraftAlertView; canAcknowledge: boolean; actions: CardActions }) {
  return (
    <li class={`aircraft-alert aircraft-alert--${a.severity}${a.clearedAt ? ' aircraft-alert--cleared' : ''}`} data-alert-id={String(a.id)}>
      <div class="alert-card__top">
        <span class="severity-badge">{tOptional(`sev_${a.severity}`, a.severity)}</span>
        <button type="button" class="link alert-card__drone" data-focus-drone={a.vehicleId} onClick={() => actions.focusDrone(a.vehicleId)}>
          {actions.callsign(a.vehicleId)}
        </button>
        <span class="alert-card__time">{clockTime(a.raisedAt)}</span>
      </div>
      <p class="alert-card__message"><Said said={a.said} fallback={a.message} /></p>
      <div class="alert-card__bottom">
        <span class="alert-card__status">{a.clearedAt ? t('alertCleared', { time: clockTime(a.clearedAt) }) : t('alertActive')}</span>
        {a.acknowledgedBy ? <span class="alert-card__ack">{t('acknowledgedBy', { user: a.acknowledgedBy })}</span>
          : canAcknowledge && (
            <button type="button" class="button alert-card__ack-button" data-ack={String(a.id)} disabled={actions.busy.has(`ack:${a.id}`)}
              onClick={() => actions.acknowledge(a)}>
              {t('acknowledge')}
            </button>
          )}
      </div>
    </li>
  );
}

function DispatchRow({ row: d }: { row: GroundAlertView['dispatch'][number] }) {
  const answer = d.answer ? `${tOptional(`answer_${d.answer}`, d.answer)} ${clockTime(d.answeredAt ?? d.notifiedAt)}` : d.deliveredAt ? t('delivered') : t('notDelivered');
  return (
    <li class={`dispatch__row${d.answer ? ` dispatch__row--${d.answer}` : ''}`} data-officer={d.officer}>
      <span class="dispatch__officer">{d.officer}</span>
      <span class="dispatch__answer">{answer}</span>
    </li>
  );
}

export function GroundCard({ alert: a, highlighted, canClose, actions }: { alert: GroundAlertView; highlighted: boolean; canClose: boolean; actions: CardActions }) {
  const from = a.vehicleId ? ` · ${t('fromDrone', { drone: actions.callsign(a.vehicleId) })}` : '';
  const assignee = a.assignee;
  return (
    <li class={`ground-card ground-card--${a.state}${highlighted ? ' ground-card--highlighted' : ''}`} data-alert-id={String(a.id)} data-state={a.state}>
      <div class="alert-card__top">
        <span class={`priority-badge priority-badge--${a.priority}`}>{`P${a.priority}`}</span>
        <span class="ground-card__category">{`#${a.id} ${categoryName(a.category)}`}</span>
        <span class={`state-badge state-badge--${a.state}`}>{groundStateName(a.state)}</span>
      </div>
      {a.note && <p class="alert-card__message">{a.note}</p>}
      <p class="alert-card__meta">{`${t('raisedBy', { user: a.createdBy, time: clockTime(a.createdAt) })}${from}`}</p>
      {assignee && (
        <p class="ground-card__assignee">
          {`${t('assignedTo', { officer: assignee.officer })}${assignee.distanceM === null ? '' : ` · ${distance(assignee.distanceM)}`}${
            assignee.etaS === null ? '' : ` · ${t('eta', { eta: duration(assignee.etaS) })}`}`}
        </p>
      )}
      {a.dispatch.length > 0 && <ul class="dispatch">{a.dispatch.map((d) => <DispatchRow key={d.officer} row={d} />)}</ul>}
      <div class="alert-card__buttons">
        <button type="button" class="button ground-card__show" data-show={String(a.id)} onClick={() => actions.show(a)}>{t('showOnMap')}</button>
        {canClose && (
          <button type="button" class="button ground-card__close" data-close={String(a.id)} disabled={actions.busy.has(`close:${a.id}`)} onClick={() => actions.close(a)}>
            {t('closeAlert')}
          </button>
        )}
      </div>
    </li>
  );
}

export function OfficerRow({ officer: o, busyWith }: { officer: OfficerView; busyWith: number | null }) {
  const where = busyWith !== null ? t('busyWith', { id: busyWith }) : !o.phoneOnline ? t('phoneOffline') : o.lat === null ? t('noLocation') : t('available');
  return (
    <li class={`officer-row${busyWith !== null ? ' officer-row--busy' : ''}${o.phoneOnline ? '' : ' officer-row--offline'}`} data-officer={o.name}>
      <span class="officer-row__name">{o.displayName || o.name}</span>
      <span class="officer-row__state">{where}</span>
    </li>
  );
}
