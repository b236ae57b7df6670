/** The cards of the dispatch desk: an aircraft alert, an incident with its clocks and its officers' answers, an officer on duty. */

import type { ComponentChildren } from 'preact';
import type { AircraftAlertView, GroundAlertView, OfficerView } from '../../../server/wire/types.ts';
import { clockTime, distance, duration } from '../format.ts';
import { t, tOptional } from '../i18n.ts';
import { AssignPicker, type Candidates } from './assign-picker.tsx';
import { categoryName, groundStateName } from './ground-markers.ts';
import { incidentTimes } from './incident-clock.ts';
import { waitingForOfficer } from './desk-lists.ts';
import { Said } from '../said.tsx';

/** What a card's buttons do, and which of them wait for an answer from the service. */
export interface CardActions {
  busy: ReadonlySet<string>;
  callsign(vehicleId: string): string;
  focusDrone(vehicleId: string): void;
  acknowledge(alert: AircraftAlertView): void;
  show(alert: GroundAlertView): void;
  close(alert: GroundAlertView): void;
  /** open (or close) the list of officers to give this incident to */
  pickOfficer(alert: GroundAlertView): void;
  assign(alert: GroundAlertView, officer: string): void;
  nextWave(alert: GroundAlertView): void;
  numberOf(id: number): string;
  /** the incident's drone line (无人机先行: incident-drone.tsx), where the page has one */
  incidentDrone?(alert: GroundAlertView): ComponentChildren;
}

/** The dispatcher's side of an incident card: what the desk is doing with it now. */
export interface DeskState {
  /** the screen's time, ticking once a second */
  now: number;
  /** the incident whose officer list is open, with the list */
  picking: { id: number; candidates: Candidates } | null;
}

export function AircraftCard({ alert: a, canAcknowledge, actions }: { alert: AircraftAlertView; canAcknowledge: boolean; actions: CardActions }) {
  return (
    <li class={`aircraft-alert aircraft-alert--${a.severity}${a.clearedAt ? ' aircraft-alert--cleared' : ''}`} data-alert-id={String(a.id)}>
      <div class='alert-card__top'>
        <span class='severity-badge'>{tOptional(`sev_${a.severity}`, a.severity)}</span>
        <button type='button' class='link alert-card__drone' data-focus-drone={a.vehicleId} onClick={() => actions.focusDrone(a.vehicleId)}>
          {actions.callsign(a.vehicleId)}
        </button>
        <span class='alert-card__time'>{clockTime(a.raisedAt)}</span>
      </div>
      <p class='alert-card__message'>
        <Said said={a.said} fallback={a.message} />
      </p>
      <div class='alert-card__bottom'>
        <span class='alert-card__status'>{a.clearedAt ? t('alertCleared', { time: clockTime(a.clearedAt) }) : t('alertActive')}</span>
        {a.acknowledgedBy ?
          <span class='alert-card__ack'>{t('acknowledgedBy', { user: a.acknowledgedBy })}</span>
          : canAcknowledge && (
            <button
              type='button'
              class='button alert-card__ack-button'
              data-ack={String(a.id)}
              disabled={actions.busy.has(`ack:${a.id}`)}
              onClick={() => actions.acknowledge(a)}
            >
              {t('acknowledge')}
            </button>
          )}
      </div>
    </li>
  );
}

function DispatchRow({ row: d }: { row: GroundAlertView['dispatch'][number] }) {
  // A decline says why (the officer chose a reason on the phone).
  const why = d.declineReason ? ` · ${t(`decline_${d.declineReason}`)}` : '';
  const answer = d.answer
    ? `${tOptional(`answer_${d.answer}`, d.answer)} ${clockTime(d.answeredAt ?? d.notifiedAt)}${why}`
    : d.deliveredAt
    ? t('delivered')
    : t('notDelivered');
  return (
    <li class={`dispatch__row${d.answer ? ` dispatch__row--${d.answer}` : ''}`} data-officer={d.officer}>
      <span class='dispatch__officer'>{d.officer}</span>
      <span class='dispatch__answer'>{answer}</span>
    </li>
  );
}

export function GroundCard({ alert: a, highlighted, canClose, actions, desk }: {
  alert: GroundAlertView;
  highlighted: boolean;
  canClose: boolean;
  actions: CardActions;
  desk: DeskState;
}) {
  const from = a.vehicleId ? ` · ${t('fromDrone', { drone: actions.callsign(a.vehicleId) })}` : '';
  const assignee = a.assignee;
  const times = incidentTimes(a, desk.now);
  const open = a.state !== 'resolved' && a.state !== 'closed';
  const picking = desk.picking?.id === a.id ? desk.picking : null;
  const sending = actions.busy.has(`assign:${a.id}`);
  return (
    <li
      class={`ground-card ground-card--${a.state}${times.overdue ? ' ground-card--overdue' : ''}${highlighted ? ' ground-card--highlighted' : ''}`}
      data-alert-id={String(a.id)}
      data-state={a.state}
      data-overdue={String(times.overdue)}
    >
      <div class='alert-card__top'>
        <span class={`priority-badge priority-badge--${a.priority}`}>{`P${a.priority}`}</span>
        <span class='ground-card__category'>
          <span class='ground-card__number'>{a.number}</span>
          {` ${categoryName(a.category)}`}
        </span>
        <span class={`state-badge state-badge--${a.state}`}>{groundStateName(a.state)}</span>
      </div>
      <p class='ground-card__clocks'>
        <span class='ground-card__age'>{t('incidentAge', { time: duration(times.ageS) })}</span>
        {' · '}
        <span class='ground-card__in-state'>{t('incidentInState', { state: groundStateName(a.state), time: duration(times.stateS) })}</span>
        {times.overdue && <span class='ground-card__overdue'>{t('incidentOverdue')}</span>}
      </p>
      {a.note && <p class='alert-card__message'>{a.note}</p>}
      <p class='alert-card__meta'>{`${t('raisedBy', { user: a.createdBy, time: clockTime(a.createdAt) })}${from}`}</p>
      {assignee && (
        <p class='ground-card__assignee'>
          {`${t('assignedTo', { officer: assignee.officer })}${assignee.distanceM === null ? '' : ` · ${distance(assignee.distanceM)}`}${
            assignee.etaS === null ? '' : ` · ${t('eta', { eta: duration(assignee.etaS) })}`
          }`}
        </p>
      )}
      {actions.incidentDrone?.(a)}
      {a.dispatch.length > 0 && <ul class='dispatch'>{a.dispatch.map((d) => <DispatchRow key={d.officer} row={d} />)}</ul>}
      {picking && (
        <AssignPicker
          incident={a}
          candidates={picking.candidates}
          busy={sending}
          numberOf={actions.numberOf}
          pick={(officer) => actions.assign(a, officer)}
          cancel={() => actions.pickOfficer(a)}
        />
      )}
      <div class='alert-card__buttons'>
        {canClose && open && (
          <button
            type='button'
            class='button ground-card__assign'
            data-assign-open={String(a.id)}
            aria-expanded={picking !== null}
            disabled={sending}
            onClick={() => actions.pickOfficer(a)}
          >
            {assignee || a.dispatch.length ? t('reassignOfficer') : t('assignOfficer')}
          </button>
        )}
        {canClose && waitingForOfficer(a) && (
          <button
            type='button'
            class='button ground-card__next-wave'
            data-next-wave={String(a.id)}
            disabled={actions.busy.has(`wave:${a.id}`)}
            onClick={() => actions.nextWave(a)}
          >
            {t('nextWaveNow')}
          </button>
        )}
        <button type='button' class='button ground-card__show' data-show={String(a.id)} onClick={() => actions.show(a)}>{t('showOnMap')}</button>
        {canClose && (
          <button
            type='button'
            class='button ground-card__close'
            data-close={String(a.id)}
            disabled={actions.busy.has(`close:${a.id}`)}
            onClick={() => actions.close(a)}
          >
            {t('closeAlert')}
          </button>
        )}
      </div>
    </li>
  );
}

export function OfficerRow({ officer: o, busyWith, numberOf }: { officer: OfficerView; busyWith: number | null; numberOf(id: number): string }) {
  const where = busyWith !== null
    ? t('busyWith', { number: numberOf(busyWith) })
    : !o.phoneOnline
    ? t('phoneOffline')
    : o.lat === null
    ? t('noLocation')
    : t('available');
  return (
    <li class={`officer-row${busyWith !== null ? ' officer-row--busy' : ''}${o.phoneOnline ? '' : ' officer-row--offline'}`} data-officer={o.name}>
      <span class='officer-row__name'>{o.displayName || o.name}</span>
      <span class='officer-row__state'>{where}</span>
    </li>
  );
}
