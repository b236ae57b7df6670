/**
 * The command room's requests for a drone over an incident, as pilots see them (drones tab): each
 * with the drones that could go — distance, battery, who holds each — and, for a drone this pilot
 * holds: first the service's checks for it, line by line as before a launch (GET …/goto/checks with
 * the incident), then one confirmed action that sends it (POST /api/drone-requests/:id/accept,
 * confirm: true). The service checks again as for any goto and says why when it refuses.
 */

import { signal } from '@preact/signals';
import { render } from 'preact';
import type { DroneRequestView, GotoView, PreflightItem } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { clockTime, distance } from '../format.ts';
import type { GotoStore } from '../gotos.ts';
import { t } from '../i18n.ts';
import { ApiError, reasonSaid, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import type { Ops } from '../ops.ts';
import { canFly } from '../roles.ts';
import { sayServer } from '../said.tsx';
import { GotoCheckLine, gotoCheckName } from './goto.tsx';
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

/** A drone chosen for a request, not yet sent: the checks for it, once read. */
interface Pending {
  requestId: number;
  vehicleId: string;
  checks: PreflightItem[] | null;
  at: number;
}

export class DroneRequestList {
  readonly busy = signal(false);
  readonly outcome = new Outcome();
  readonly pending = signal<Pending | null>(null);

  constructor(readonly root: HTMLElement, readonly deps: DroneRequestsDeps) {
    render(<DroneRequestsView list={this} />, root);
  }

  /** The drone chosen for the request: its checks are read at once, and shown before anything is asked. */
  async prepare(r: DroneRequestView, c: DroneRequestView['candidates'][number]): Promise<void> {
    this.pending.value = { requestId: r.id, vehicleId: c.vehicleId, checks: null, at: Date.now() };
    await this.runChecks(r);
  }

  async runChecks(r: DroneRequestView): Promise<void> {
    const p = this.pending.value;
    if (!p || p.requestId !== r.id) return;
    this.busy.value = true;
    this.outcome.clear();
    try {
      const query = `lat=${r.target.lat}&lon=${r.target.lon}&alertId=${r.alertId}`;
      const checks = await requestJson<PreflightItem[]>('GET', `/api/vehicles/${encodeURIComponent(p.vehicleId)}/goto/checks?${query}`);
      if (this.pending.value === p) this.pending.value = { ...p, checks, at: Date.now() };
    } catch (error) {
      this.pending.value = null;
      this.outcome.show('refused', 'droneRequestRefused', { reason: reasonSaid(error) });
    } finally {
      this.busy.value = false;
    }
  }

  discard(): void {
    this.pending.value = null;
  }

  /** Sent only once its checks were read and all passed, and the pilot confirmed with them in view. */
  async accept(r: DroneRequestView, c: DroneRequestView['candidates'][number]): Promise<void> {
    const { callsign, numberOf, confirm, store } = this.deps;
    const checks = this.pending.value?.requestId === r.id && this.pending.value.vehicleId === c.vehicleId ? this.pending.value.checks : null;
    if (!checks || !checks.every((i) => i.pass)) return;
    const drone = callsign(c.vehicleId);
    const number = numberOf(r.alertId);
    const confirmed = await confirm({
      title: t('confirmAcceptTitle'),
      message: t('confirmAccept', { drone, number, distance: distance(c.distanceM) }),
      confirm: t('droneRequestAccept', { drone }),
      details: checks.map((i) => `✓ ${gotoCheckName(i.id)}: ${i.said ? sayServer(i.said) : i.value}`),
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
      this.pending.value = null;
      this.outcome.show('accepted', 'droneRequestAccepted', { drone, number });
      this.deps.sent(c.vehicleId);
    } catch (error) {
      const checks = error instanceof ApiError ? (error.body as { checks?: PreflightItem[] } | undefined)?.checks : undefined;
      const failed = checks?.filter((i) => !i.pass) ?? [];
      if (failed.length) this.outcome.show('refused', 'gotoRefusedChecks', { checks: () => failed.map((i) => gotoCheckName(i.id)).join(t('listSeparator')) });
      else this.outcome.show('refused', 'droneRequestRefused', { reason: reasonSaid(error) });
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
  const pending = list.pending.value;
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
                    {mine && !(pending?.requestId === r.id && pending.vehicleId === c.vehicleId) && (
                      <button
                        type='button'
                        class='button drone-request__accept'
                        data-accept={c.vehicleId}
                        disabled={busy}
                        onClick={() => void list.prepare(r, c)}
                      >
                        {t('droneRequestCheck', { drone: callsign(c.vehicleId) })}
                      </button>
                    )}
                    {mine && pending?.requestId === r.id && pending.vehicleId === c.vehicleId && (
                      <div class='drone-request__pending'>
                        <p class='launch__checked'>
                          {pending.checks
                            ? t('checkedAt', { time: clockTime(pending.at), passed: pending.checks.filter((i) => i.pass).length, total: pending.checks.length })
                            : t('gotoChecking')}
                        </p>
                        <ol class='checklist drone-request__checks'>{pending.checks?.map((item) => <GotoCheckLine key={item.id} item={item} />)}</ol>
                        <div class='console__buttons'>
                          <button type='button' class='button goto__check' disabled={busy} onClick={() => void list.runChecks(r)}>{t('runChecks')}</button>
                          <button
                            type='button'
                            class='button button--danger drone-request__send'
                            data-send={c.vehicleId}
                            disabled={busy || !pending.checks?.every((i) => i.pass)}
                            onClick={() => void list.accept(r, c)}
                          >
                            {t('droneRequestAccept', { drone: callsign(c.vehicleId) })}
                          </button>
                          <button type='button' class='button goto__discard' disabled={busy} onClick={() => list.discard()}>{t('gotoDiscard')}</button>
                        </div>
                      </div>
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
