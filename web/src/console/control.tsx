/**
 * Who is in command of the drone. Pilots take and release control here; everyone else sees who
 * holds it. One pilot at a time: the service refuses a second one, and says who holds it. At a
 * shift change an admin may release a drone another pilot holds, once confirmed (the service
 * audits it as a release taken from that pilot).
 */

import { signal } from '@preact/signals';
import type { Ref } from 'preact';
import type { Confirm } from '../confirm.ts';
import { t } from '../i18n.ts';
import { reasonSaid, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import type { Ops } from '../ops.ts';
import { canFly, isAdmin } from '../roles.ts';
import { PanelSection } from '../ui/section.tsx';
import { Outcome, OutcomeLine } from './outcome.tsx';

export class Control {
  readonly busy = signal(false);
  readonly outcome = new Outcome();

  constructor(
    readonly user: SessionUser,
    readonly ops: Ops,
    private readonly confirm: Confirm,
  ) {}

  /** An admin takes the drone from the pilot holding it (a shift change), after saying so. */
  async releaseFrom(pilot: string, vehicleId: string, callsign: string): Promise<void> {
    const sure = await this.confirm({
      title: t('releaseAsAdminTitle'),
      message: t('releaseAsAdminConfirm', { pilot, drone: callsign }),
      confirm: t('releaseAsAdminYes', { drone: callsign }),
    });
    if (sure) await this.change('release', vehicleId);
  }

  async change(action: 'take' | 'release', vehicleId: string): Promise<void> {
    this.busy.value = true;
    this.outcome.clear();
    try {
      const answer = await requestJson<{ vehicleId: string; pilot: string | null }>('POST', `/api/vehicles/${encodeURIComponent(vehicleId)}/control`, {
        action,
      });
      // The live stream says so too; this makes the buttons follow at once.
      const next = { ...this.ops.control };
      if (answer.pilot) next[vehicleId] = answer.pilot;
      else delete next[vehicleId];
      this.ops.setControl(next);
    } catch (error) {
      this.outcome.show('refused', action === 'take' ? 'takeRefused' : 'releaseRefused', { reason: reasonSaid(error) });
    } finally {
      this.busy.value = false;
    }
  }
}

/** hint: the pilot must take control first (shown under the buttons) */
export function ControlSection({ control, vehicleId, callsign, hint, sectionRef }: {
  control: Control;
  vehicleId: string;
  callsign: string;
  hint: boolean;
  sectionRef?: Ref<HTMLElement>;
}) {
  const { user, ops } = control;
  ops.track('control');
  const holder = ops.control[vehicleId] ?? null;
  const mine = holder === user.name;
  const busy = control.busy.value;
  return (
    <PanelSection class='console-control' title='sectionControl' sectionRef={sectionRef}>
      <p class='console__holder' data-field='controller' data-holder={holder ?? ''}>
        {holder === null ? t('controlFree') : mine ? t('controlMine') : t('controlHeldBy', { pilot: holder, drone: callsign })}
      </p>
      <div class='console__buttons'>
        <button
          type='button'
          class='button button--primary console__take'
          hidden={!canFly(user) || holder !== null}
          disabled={busy}
          onClick={() => void control.change('take', vehicleId)}
        >
          {t('takeControl')}
        </button>
        <button type='button' class='button console__release' hidden={!mine} disabled={busy} onClick={() => void control.change('release', vehicleId)}>
          {t('releaseControl')}
        </button>
        {holder !== null && !mine && isAdmin(user) && (
          <button
            type='button'
            class='button button--danger console__release-admin'
            disabled={busy}
            onClick={() => void control.releaseFrom(holder, vehicleId, callsign)}
          >
            {t('releaseAsAdmin', { pilot: holder })}
          </button>
        )}
      </div>
      <OutcomeLine outcome={control.outcome} />
      <p class='console__hint console__not-in-command' hidden={!hint}>{t('takeControlFirst')}</p>
    </PanelSection>
  );
}
