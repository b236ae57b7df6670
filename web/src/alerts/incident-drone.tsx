/**
 * The drone line of an incident card (无人机先行): the drone sent to it — on its way, overhead (as
 * the service says it), time held and the countdown to turning home, amber under 2 minutes — or
 * the command room's open request for one. The command room, which may not fly, requests a drone
 * here (POST /api/alerts/:id/drone-request) or cancels its request; a pilot holding a drone sends
 * it from here through the console's checks and confirmation.
 */

import { signal } from '@preact/signals';
import type { GroundAlertView } from '../../../server/wire/types.ts';
import { clockTime, distance, duration } from '../format.ts';
import { gotoStateName } from '../goto-status.tsx';
import { isGotoActive, type GotoStore } from '../gotos.ts';
import { t } from '../i18n.ts';
import { reasonOf, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import type { Ops } from '../ops.ts';
import { canFly, canManageAlerts } from '../roles.ts';

export interface IncidentDroneDeps {
  user: SessionUser;
  ops: Ops;
  store: GotoStore;
  callsign(vehicleId: string): string;
  /** a pilot sends this drone to the incident: the console shows the checks, then asks to confirm */
  sendHere(vehicleId: string, alert: GroundAlertView): void;
  notice(text: string): void;
}

export class IncidentDrones {
  readonly busy = signal<ReadonlySet<number>>(new Set());

  constructor(readonly deps: IncidentDroneDeps) {}

  async request(alert: GroundAlertView): Promise<void> {
    await this.act(alert.id, () => requestJson('POST', `/api/alerts/${alert.id}/drone-request`, { note: '' }));
  }

  async cancel(alert: GroundAlertView, requestId: number): Promise<void> {
    await this.act(alert.id, () => requestJson('POST', `/api/drone-requests/${requestId}/cancel`, {}));
  }

  private async act(id: number, request: () => Promise<unknown>): Promise<void> {
    this.busy.value = new Set([...this.busy.value, id]);
    try {
      await request();
    } catch (error) {
      this.deps.notice(t('alertActionFailed', { reason: reasonOf(error) }));
    } finally {
      this.busy.value = new Set([...this.busy.value].filter((x) => x !== id));
    }
  }
}

export function IncidentDrone({ alert: a, drones }: { alert: GroundAlertView; drones: IncidentDrones }) {
  const { user, ops, store, callsign } = drones.deps;
  ops.track('control');
  const g = store.forIncident(a.id);
  const request = store.requestFor(a.id);
  const open = a.state !== 'resolved' && a.state !== 'closed';
  const busy = drones.busy.value.has(a.id);
  const mine = canFly(user) ? Object.keys(ops.control).filter((id) => ops.control[id] === user.name) : [];
  const free = mine.filter((id) => !store.forVehicle(id) || !isGotoActive(store.forVehicle(id)!));
  const live = g && isGotoActive(g) ? g : undefined;
  if (!live && !request && !open) return null;
  return (
    <div
      class={`incident-drone${live?.amber ? ' incident-drone--amber' : ''}`}
      data-alert-id={String(a.id)}
      data-goto-state={live?.state}
      data-overhead={live ? String(live.overhead) : undefined}
    >
      {live && (
        <p class='incident-drone__goto'>
          <span class='incident-drone__state'>{t('incidentDrone', { drone: callsign(live.vehicleId), state: gotoStateName(live) })}</span>
          {live.overhead && <span class='goto-overhead'>{t('gotoOverhead')}</span>}
          {!live.overhead && live.distanceM !== null && <span class='incident-drone__distance'>{` · ${distance(live.distanceM)}`}</span>}
          {live.state === 'on_scene' && <span class='incident-drone__held'>{` · ${t('incidentDroneHeld', { time: duration(live.heldS) })}`}</span>}
          {live.turnHomeInS !== null && (
            <span class='incident-drone__turn-home'>{` · ${t('incidentDroneTurnHome', { time: duration(live.turnHomeInS) })}`}</span>
          )}
        </p>
      )}
      {!live && request && <p class='incident-drone__requested'>{t('droneRequested', { user: request.requestedBy, time: clockTime(request.at) })}</p>}
      {!live && open && (
        <div class='alert-card__buttons'>
          {canManageAlerts(user) && !request && (
            <button
              type='button'
              class='button incident-drone__request'
              data-request-drone={String(a.id)}
              disabled={busy}
              onClick={() => void drones.request(a)}
            >
              {t('requestDrone')}
            </button>
          )}
          {canManageAlerts(user) && request && (
            <button
              type='button'
              class='button incident-drone__cancel'
              data-cancel-request={String(request.id)}
              disabled={busy}
              onClick={() => void drones.cancel(a, request.id)}
            >
              {t('cancelDroneRequest')}
            </button>
          )}
          {free.map((id) => (
            <button key={id} type='button' class='button incident-drone__send' data-send-drone={id} onClick={() => drones.deps.sendHere(id, a)}>
              {t('sendDroneHere', { drone: callsign(id) })}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
