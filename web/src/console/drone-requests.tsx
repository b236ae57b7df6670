/**
 * The command room's requests for a drone over an incident, as pilots see them (drones tab): each
 * with the drones that could go — distance, battery, who holds each — and, for a drone this pilot
 * holds, one confirmed action that sends it (POST /api/drone-requests/:id/accept, confirm: true).
 * The service checks as for any goto and says why when it refuses.
 */

import { signal } from '@preact/signals';
import { render } from 'preact';
import type { DroneRequestView, GotoView, PreflightItem } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { clockTime, distance } from '../format.ts';
import type { GotoStore } from '../gotos.ts';
import { t } from '../i18n.ts';
import { ApiError, reasonOf, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import type { Ops } from '../ops.ts';
import { canFly } from '../roles.ts';
import { gotoCheckName } from './goto.tsx';
import { Outcome, OutcomeLine } from './outcome.tsx';

export interface DroneRequestsDeps {
  user: SessionUser;
  ops: Ops;
  store: GotoStore;
  confirm: Confirm;
  callsign(vehicleId: string): string;
  /** the incident's number, as the command room says it */
  numberOf(alertId: number): string;
  /** the drone sent: its panel opens, where the goto shows */
  sent(vehicleId: string): void;
}

export class DroneRequestList {
  readonly busy = signal(false);
  readonly outcome = new Outcome();

  constructor(readonly root: HTMLElement, readonly deps: DroneRequestsDeps) {
    render(<DroneRequestsView list={this} />, root);
  }

  async accept(r: DroneRequestView, c: DroneRequestView['candidates'][number]): Promise<void> {
    const { callsign, numberOf, confirm, store } = this.deps;
    const drone = callsign(c.vehicleId);
    const number = numberOf(r.alertId);
    const confirmed = await confirm({
      title: t('confirmAcceptTitle'),
      message: t('confirmAccept', { drone, number, distance: distance(c.distanceM) }),
      confirm: t('droneRequestAccept', { drone }),
    });
    if (!confirmed) {
      this.outcome.show('cancelled', 'gotoNotSent');
      return;
    }
    this.busy.value = true;
    this.outcome.show('pending', 'gotoSending', { drone });
    try {
      const answer = await requestJson<{ request: DroneRequestView; goto: GotoView }>('POST', `/api/drone-requests/${r.id}/accept`, {
        vehicleId: c.vehicleId,
        confirm: true,
      });
      store.put(answer.goto);
      this.outcome.show('accepted', 'droneRequestAccepted', { drone, number });
      this.deps.sent(c.vehicleId);
    } catch (error) {
      const checks = error instanceof ApiError ? (error.body as { checks?: PreflightItem[] } | undefined)?.checks : undefined;
      const failed = checks?.filter((i) => !i.pass) ?? [];
      if (failed.length) this.outcome.show('refused', 'gotoRefusedChecks', { checks: () => failed.map((i) => gotoCheckName(i.id)).join(t('listSeparator')) });
      else this.outcome.show('refused', 'droneRequestRefused', { reason: reasonOf(error) });
    } finally {
      this.busy.value = false;
    }
  }
}

function DroneRequestsView({ list }: { list: DroneRequestList }) {
  const { user, ops, store, callsign, numberOf } = list.deps;
  ops.track('control', 'ground');
  const requests = store.requests.value;
  const shown = canFly(user) && (requests.length > 0 || list.outcome.said.value !== null);
  list.root.hidden = !shown;
  if (!shown) return null;
  const busy = list.busy.value;
  return (
    <>
      <h2 class='sidebar__title'>{t('droneRequestsTitle')}</h2>
      <ol class='drone-requests__list'>
        {requests.map((r) => (
          <li key={r.id} class='drone-request' data-request-id={String(r.id)} data-alert-id={String(r.alertId)}>
            <p class='drone-request__what'>{t('droneRequestLine', { number: numberOf(r.alertId), user: r.requestedBy, time: clockTime(r.at) })}</p>
            {r.note && <p class='drone-request__note'>{r.note}</p>}
            <ul class='drone-request__candidates'>
              {r.candidates.map((c) => {
                const mine = ops.control[c.vehicleId] === user.name;
                const holder = ops.control[c.vehicleId] ?? c.pilot;
                return (
                  <li key={c.vehicleId} class='drone-request__candidate' data-vehicle-id={c.vehicleId}>
                    <span>
                      {t('droneCandidate', {
                        drone: callsign(c.vehicleId),
                        distance: distance(c.distanceM),
                        battery: c.batteryPercent === null ? '—' : `${Math.round(c.batteryPercent)}%`,
                      })}
                    </span>
                    <span class='drone-request__where'>{` · ${t(c.airborne ? 'droneCandidateAirborne' : 'droneCandidateGround')} · `}</span>
                    <span class='drone-request__holder'>{holder ? t('droneCandidateHeld', { pilot: holder }) : t('controlFree')}</span>
                    {mine && (
                      <button
                        type='button'
                        class='button button--danger drone-request__accept'
                        data-accept={c.vehicleId}
                        disabled={busy}
                        onClick={() => void list.accept(r, c)}
                      >
                        {t('droneRequestAccept', { drone: callsign(c.vehicleId) })}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          </li>
        ))}
      </ol>
      <OutcomeLine outcome={list.outcome} class='drone-requests__outcome' />
    </>
  );
}
