/**
 * Where a drone sent to the scene stands, as the pilot's console and the incident card show it:
 * its state, the distance to the point, "overhead" only when the service says so (fresh telemetry
 * within 30 m), time held, battery and the countdown to the moment it must turn home, amber under
 * 2 minutes. Nothing here is worked out from old telemetry: the service's view is drawn as it came.
 */

import type { GotoView } from '../../server/wire/types.ts';
import { distance, duration } from './format.ts';
import { t, type StringKey } from './i18n.ts';
import './goto.css';

export const gotoStateName = (g: GotoView) => t(`goto_${g.state}` as StringKey);

export function GotoFacts({ goto: g }: { goto: GotoView }) {
  return (
    <dl
      class={`goto-facts${g.amber ? ' goto-facts--amber' : ''}`}
      data-goto-id={String(g.id)}
      data-state={g.state}
      data-overhead={String(g.overhead)}
      data-amber={String(g.amber)}
    >
      <dt>{t('gotoState')}</dt>
      <dd class='goto-facts__state'>
        {gotoStateName(g)}
        {g.overhead && <span class='goto-overhead'>{t('gotoOverhead')}</span>}
      </dd>
      {g.stale && <dd class='goto-facts__stale'>{t('gotoStale')}</dd>}
      <dt>{t('gotoDistance')}</dt>
      <dd class='goto-facts__distance'>{distance(g.distanceM)}</dd>
      <dt>{t('gotoHeld')}</dt>
      <dd class='goto-facts__held'>{duration(g.heldS)}</dd>
      <dt>{t('gotoBattery')}</dt>
      <dd class='goto-facts__battery'>{g.batteryPercent === null ? '—' : `${Math.round(g.batteryPercent)}%`}</dd>
      <dt>{t('gotoTurnHome')}</dt>
      <dd class='goto-facts__turn-home' data-seconds={g.turnHomeInS === null ? undefined : String(g.turnHomeInS)}>{duration(g.turnHomeInS)}</dd>
      {g.keepHolding && <dd class='goto-facts__kept'>{t('gotoKeptPast')}</dd>}
    </dl>
  );
}
