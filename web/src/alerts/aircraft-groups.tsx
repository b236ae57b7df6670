/** The desk's aircraft alerts (告警): one group per drone, its worst alert on top, its cleared ones acknowledged with one tap. */

import { t } from '../i18n.ts';
import { AircraftCard, type CardActions } from './alert-cards.tsx';
import type { DroneAlerts } from './desk-lists.ts';

export function DroneAlertGroup({ group, canAcknowledge, actions, acknowledgeCleared }: {
  group: DroneAlerts;
  canAcknowledge: boolean;
  actions: CardActions;
  acknowledgeCleared(ids: number[], key: string): void;
}) {
  const worst = group.alerts[0]!;
  const key = `ack-drone:${group.vehicleId}`;
  return (
    <li class={`drone-alerts drone-alerts--${worst.clearedAt === null ? worst.severity : 'cleared'}`} data-vehicle-id={group.vehicleId}>
      <div class='drone-alerts__head'>
        <button type='button' class='link drone-alerts__drone' onClick={() => actions.focusDrone(group.vehicleId)}>{actions.callsign(group.vehicleId)}</button>
        <span class='drone-alerts__count'>{t('droneAlertCount', { n: group.alerts.length })}</span>
        {canAcknowledge && group.clearedUnacknowledged.length > 0 && (
          <button
            type='button'
            class='button drone-alerts__ack-cleared'
            data-ack-cleared={group.vehicleId}
            disabled={actions.busy.has(key)}
            onClick={() => acknowledgeCleared(group.clearedUnacknowledged, key)}
          >
            {t('ackClearedDrone', { n: group.clearedUnacknowledged.length })}
          </button>
        )}
      </div>
      <ol class='alert-list drone-alerts__list'>
        {group.alerts.map((a) => <AircraftCard key={a.id} alert={a} canAcknowledge={canAcknowledge} actions={actions} />)}
      </ol>
    </li>
  );
}
