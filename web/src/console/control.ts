/**
 * Who is in command of the drone. Pilots take and release control here; everyone else sees who
 * holds it. One pilot at a time: the service refuses a second one, and says who holds it.
 */

import { button, make, setHidden, setText, titledSection } from '../dom.ts';
import { t } from '../i18n.ts';
import { ApiError, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import type { Ops } from '../ops.ts';
import { canFly } from '../roles.ts';
import { OutcomeLine } from './outcome.ts';

export function reasonOf(error: unknown): string {
  return error instanceof ApiError && error.reason ? error.reason : error instanceof Error ? error.message : String(error);
}

export class ControlSection {
  readonly element = titledSection('console-control', 'sectionControl');
  private readonly holder = make('p', 'console__holder');
  private readonly take = button('button button--primary console__take', 'takeControl');
  private readonly release = button('button console__release', 'releaseControl');
  private readonly outcome = new OutcomeLine();
  private vehicleId = '';
  private busy = false;

  constructor(
    private readonly user: SessionUser,
    private readonly ops: Ops,
  ) {
    this.holder.dataset.field = 'controller';
    const buttons = make('div', 'console__buttons');
    buttons.append(this.take, this.release);
    this.element.append(this.holder, buttons, this.outcome.element);
    this.take.addEventListener('click', () => void this.change('take'));
    this.release.addEventListener('click', () => void this.change('release'));
  }

  /** the drone shown changed: the last outcome belonged to the other one */
  reset(): void {
    this.outcome.clear();
  }

  render(vehicleId: string, callsign: string): void {
    this.vehicleId = vehicleId;
    const holder = this.ops.control[vehicleId] ?? null;
    const mine = holder === this.user.name;
    setText(this.holder, holder === null ? t('controlFree') : mine ? t('controlMine') : t('controlHeldBy', { pilot: holder, drone: callsign }));
    this.holder.dataset.holder = holder ?? '';
    setHidden(this.take, !canFly(this.user) || holder !== null);
    setHidden(this.release, !mine);
    this.take.disabled = this.busy;
    this.release.disabled = this.busy;
  }

  private async change(action: 'take' | 'release'): Promise<void> {
    const vehicleId = this.vehicleId;
    this.busy = true;
    this.outcome.clear();
    try {
      const answer = await requestJson<{ vehicleId: string; pilot: string | null }>('POST', `/api/vehicles/${encodeURIComponent(vehicleId)}/control`, { action });
      // The live stream says so too; this makes the buttons follow at once.
      const next = { ...this.ops.control };
      if (answer.pilot) next[vehicleId] = answer.pilot;
      else delete next[vehicleId];
      this.ops.setControl(next);
    } catch (error) {
      this.outcome.show('refused', () => t(action === 'take' ? 'takeRefused' : 'releaseRefused', { reason: reasonOf(error) }));
    } finally {
      this.busy = false;
    }
  }
}
