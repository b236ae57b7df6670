/**
 * In-flight commands for the pilot in command: pause, resume, return home, land, and abort before
 * takeoff. Each asks for confirmation naming the drone and the action, is sent with confirm: true,
 * and reports what the service says became of it.
 */

import { signal } from '@preact/signals';
import type { RunView, VehicleView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { phrase, t, type StringKey } from '../i18n.ts';
import { ApiError, outcomeReason, reasonSaid, requestJson } from '../live.ts';
import { PanelSection } from '../ui/section.tsx';
import type { Outcome, OutcomeKind } from './outcome.tsx';

export const FLIGHT_ACTIONS = ['pause', 'resume', 'rtl', 'land', 'abort'] as const;
export type FlightAction = (typeof FLIGHT_ACTIONS)[number];

/** The launch sequence can still be called off on the ground. */
const BEFORE_TAKEOFF: RunView['state'][] = ['uploading', 'arming', 'starting'];

const label: Record<FlightAction, StringKey> = { pause: 'actPause', resume: 'actResume', rtl: 'actRtl', land: 'actLand', abort: 'actAbort' };
const question: Record<FlightAction, StringKey> = {
  pause: 'confirmPause',
  resume: 'confirmResume',
  rtl: 'confirmRtl',
  land: 'confirmLand',
  abort: 'confirmAbort',
};
const doIt: Record<FlightAction, StringKey> = { pause: 'doPause', resume: 'doResume', rtl: 'doRtl', land: 'doLand', abort: 'doAbort' };

/** The service's answer: 200 accepted; 502 with the autopilot's outcome; 4xx refused here. */
interface CommandAnswer {
  result: 'accepted' | 'denied' | 'timeout' | 'unconfirmed' | 'cancelled';
  reason?: string;
  /** the reason as a message, said in the page's language */
  said?: unknown;
}

const outcomeText: Record<CommandAnswer['result'], StringKey> = {
  accepted: 'outcomeAccepted',
  denied: 'outcomeDenied',
  timeout: 'outcomeTimeout',
  unconfirmed: 'outcomeUnconfirmed',
  cancelled: 'outcomeCancelled',
};

/** Sends the commands; the buttons are drawn from its state, so they wait exactly while one is on its way. */
export class Commands {
  readonly sending = signal(false);

  constructor(
    private readonly confirm: Confirm,
    private readonly outcome: Outcome,
  ) {}

  async send(action: FlightAction, view: VehicleView): Promise<void> {
    const drone = view.callsign;
    const confirmed = await this.confirm({
      title: t('confirmCommandTitle'),
      message: t(question[action], { drone }),
      confirm: t(doIt[action], { drone }),
    });
    const what = { action: phrase(label[action]), drone };
    if (!confirmed) {
      this.outcome.show('cancelled', 'commandNotSent', what);
      return;
    }
    this.sending.value = true;
    this.outcome.show('pending', 'commandSending', what);
    try {
      const answer = await requestJson<CommandAnswer>('POST', `/api/vehicles/${encodeURIComponent(view.id)}/command`, { action, confirm: true });
      this.report(answer, what);
    } catch (error) {
      // 502: the autopilot's own answer (denied, no answer, not confirmed); else refused by the service.
      const body = error instanceof ApiError ? (error.body as CommandAnswer | undefined) : undefined;
      if (body?.result && body.result in outcomeText) this.report(body, what);
      else this.outcome.show('refused', 'outcomeRefused', { ...what, reason: reasonSaid(error) });
    } finally {
      this.sending.value = false;
    }
  }

  private report(answer: CommandAnswer, what: { action: ReturnType<typeof phrase>; drone: string }): void {
    this.outcome.show(answer.result as OutcomeKind, outcomeText[answer.result], { ...what, reason: outcomeReason(answer) });
  }
}

export function CommandSection({ commands, view, run, visible }: { commands: Commands; view: VehicleView; run: RunView | undefined; visible: boolean }) {
  const beforeTakeoff = run !== undefined && BEFORE_TAKEOFF.includes(run.state);
  // Commands are for a drone that is armed (or about to be, on a launch in progress); all wait
  // while one is on its way.
  const sending = commands.sending.value;
  return (
    <PanelSection class='console-commands' title='sectionCommands' hidden={!visible}>
      <div class='console__buttons console__buttons--grid'>
        {FLIGHT_ACTIONS.map((action) => {
          const current = (action === 'pause' && run?.state === 'flying') || (action === 'resume' && run?.state === 'paused');
          return (
            <button
              key={action}
              type='button'
              class={`button command command--${action}${current ? ' command--current' : ''}`}
              data-action={action}
              hidden={action === 'abort' && !beforeTakeoff}
              disabled={sending || view.link.lost || (action !== 'abort' && !view.armed)}
              onClick={() => void commands.send(action, view)}
            >
              {t(label[action])}
            </button>
          );
        })}
      </div>
    </PanelSection>
  );
}
