/**
 * In-flight commands for the pilot in command: pause, resume, return home, land, and abort before
 * takeoff. Each asks for confirmation naming the drone and the action, is sent with confirm: true,
 * and reports what the service says became of it.
 */

import type { RunView, VehicleView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { button, make, setHidden, titledSection } from '../dom.ts';
import { t, type StringKey } from '../i18n.ts';
import { ApiError, requestJson } from '../live.ts';
import { reasonOf } from './control.ts';
import type { OutcomeKind, OutcomeLine } from './outcome.ts';

export const FLIGHT_ACTIONS = ['pause', 'resume', 'rtl', 'land', 'abort'] as const;
export type FlightAction = (typeof FLIGHT_ACTIONS)[number];

/** The launch sequence can still be called off on the ground. */
const BEFORE_TAKEOFF: RunView['state'][] = ['uploading', 'arming', 'starting'];

const label: Record<FlightAction, StringKey> = { pause: 'actPause', resume: 'actResume', rtl: 'actRtl', land: 'actLand', abort: 'actAbort' };
const question: Record<FlightAction, StringKey> = {
  pause: 'confirmPause', resume: 'confirmResume', rtl: 'confirmRtl', land: 'confirmLand', abort: 'confirmAbort',
};
const doIt: Record<FlightAction, StringKey> = { pause: 'doPause', resume: 'doResume', rtl: 'doRtl', land: 'doLand', abort: 'doAbort' };

/** The service's answer: 200 accepted; 502 with the autopilot's outcome; 4xx refused here. */
interface CommandAnswer {
  result: 'accepted' | 'denied' | 'timeout' | 'unconfirmed' | 'cancelled';
  reason?: string;
}

const outcomeText: Record<CommandAnswer['result'], StringKey> = {
  accepted: 'outcomeAccepted', denied: 'outcomeDenied', timeout: 'outcomeTimeout', unconfirmed: 'outcomeUnconfirmed', cancelled: 'outcomeCancelled',
};

export class CommandSection {
  readonly element = titledSection('console-commands', 'sectionCommands');
  private readonly buttons = new Map<FlightAction, HTMLButtonElement>();
  /** what was last drawn, to draw again when a command starts or ends */
  private shown: { view: VehicleView; run: RunView | undefined; visible: boolean } | null = null;
  private sending = false;

  constructor(
    private readonly confirm: Confirm,
    private readonly outcome: OutcomeLine,
  ) {
    const row = make('div', 'console__buttons console__buttons--grid');
    for (const action of FLIGHT_ACTIONS) {
      const b = button(`button command command--${action}`, label[action]);
      b.dataset.action = action;
      b.addEventListener('click', () => void this.send(action));
      this.buttons.set(action, b);
      row.append(b);
    }
    this.element.append(row);
  }

  render(view: VehicleView, run: RunView | undefined, visible: boolean): void {
    this.shown = { view, run, visible };
    setHidden(this.element, !visible);
    if (!visible) return;
    const beforeTakeoff = run !== undefined && BEFORE_TAKEOFF.includes(run.state);
    for (const [action, b] of this.buttons) {
      const shown = action === 'abort' ? beforeTakeoff : true;
      setHidden(b, !shown);
      // Commands are for a drone that is armed (or about to be, on a launch in progress); all
      // wait while one is on its way.
      b.disabled = this.sending || view.link.lost || (action !== 'abort' && !view.armed);
      b.classList.toggle('command--current', (action === 'pause' && run?.state === 'flying') || (action === 'resume' && run?.state === 'paused'));
    }
  }

  private async send(action: FlightAction): Promise<void> {
    const view = this.shown?.view;
    if (!view) return;
    const drone = view.callsign;
    const confirmed = await this.confirm({
      title: t('confirmCommandTitle'),
      message: t(question[action], { drone }),
      confirm: t(doIt[action], { drone }),
    });
    const what = () => ({ action: t(label[action]), drone });
    if (!confirmed) {
      this.outcome.show('cancelled', () => t('commandNotSent', what()));
      return;
    }
    this.setSending(true);
    this.outcome.show('pending', () => t('commandSending', what()));
    try {
      const answer = await requestJson<CommandAnswer>('POST', `/api/vehicles/${encodeURIComponent(view.id)}/command`, { action, confirm: true });
      this.report(answer, what);
    } catch (error) {
      // 502: the autopilot's own answer (denied, no answer, not confirmed); else refused by the service.
      const body = error instanceof ApiError ? (error.body as CommandAnswer | undefined) : undefined;
      if (body?.result && body.result in outcomeText) this.report(body, what);
      else this.outcome.show('refused', () => t('outcomeRefused', { ...what(), reason: reasonOf(error) }));
    } finally {
      this.setSending(false);
    }
  }

  /** The buttons wait while a command is on its way, and are free again the moment it is answered. */
  private setSending(sending: boolean): void {
    this.sending = sending;
    if (this.shown) this.render(this.shown.view, this.shown.run, this.shown.visible);
  }

  private report(answer: CommandAnswer, what: () => { action: string; drone: string }): void {
    this.outcome.show(answer.result as OutcomeKind, () => t(outcomeText[answer.result], { ...what(), reason: answer.reason ?? '' }));
  }
}
