/**
 * The officer's answers to one job, as a ladder: each step keeps its own row, so the next step
 * never appears where the last tap landed (a double tap lands on a step already done), and each
 * row waits a moment after any change before it takes a tap. Declining asks why; resolving asks
 * how it ended (处置结果), and only a separate confirm button, enabled once a choice is made,
 * sends either.
 */

import { useState } from 'preact/hooks';
import {
  DECLINE_REASONS,
  INCIDENT_OUTCOMES,
  type DeclineReason,
  type GroundAlertView,
  type IncidentOutcome,
  type OfficerAnswer,
} from '../../../server/wire/types.ts';
import { clockTime } from '../format.ts';
import { t, type StringKey } from '../i18n.ts';
import type { Standing } from './jobs.ts';
import type { QueuedAnswer } from './outbox.ts';

/** What the officer adds to an answer: a decline's reason, a resolve's outcome and note. */
export interface AnswerExtra {
  reason?: DeclineReason;
  outcome?: IncidentOutcome;
  note?: string;
}

export interface StepsProps {
  job: GroundAlertView;
  me: string;
  standing: Standing;
  /** this phone's answers to the job still waiting to be sent */
  queued: readonly QueuedAnswer[];
  /** when this phone made an answer to the job that the service took (undefined: not from here, or before a reload) */
  made(answer: OfficerAnswer): number | undefined;
  /** no tap counts: an answer is being sent, or the card changed a moment ago */
  locked: boolean;
  answer(answer: OfficerAnswer, extra?: AnswerExtra): void;
}

type Panel = 'decline' | 'resolve' | null;

/** When I made answer: by this phone (waiting), or as the service has my last answer. */
function madeAt(p: StepsProps, answer: OfficerAnswer): string {
  const at = p.queued.find((x) => x.answer === answer)?.at ?? p.made(answer);
  if (at !== undefined) return clockTime(at);
  const d = p.job.dispatch.find((x) => x.officer === p.me);
  return d?.answer === answer && d.answeredAt !== null ? clockTime(d.answeredAt) : '';
}

function Done({ step, p }: { step: 'accept' | 'en_route' | 'on_scene'; p: StepsProps }) {
  return <p class={`step step--done step--${step}`}>✓ {t(`done_${step}`, { time: madeAt(p, step) }).trim()}</p>;
}

function StepButton({ answer, label, p, onTap }: { answer: string; label: string; p: StepsProps; onTap: () => void }) {
  return <button type='button' class={`answer answer--${answer}`} data-answer={answer} disabled={p.locked} onClick={onTap}>{label}</button>;
}

/** A choice of one (reasons, outcomes): buttons that stay pressed, never an answer by themselves. */
function Choices<T extends string>(
  { name, values, label, chosen, choose }: { name: string; values: readonly T[]; label: (v: T) => string; chosen: T | null; choose: (v: T) => void },
) {
  return (
    <div class={`choices choices--${name}`} role='radiogroup'>
      {values.map((v) => (
        <button
          key={v}
          type='button'
          role='radio'
          class='choice'
          data-choice={v}
          aria-checked={chosen === v ? 'true' : 'false'}
          onClick={() => choose(v)}
        >
          {label(v)}
        </button>
      ))}
    </div>
  );
}

function DeclinePanel({ p, close }: { p: StepsProps; close: () => void }) {
  const [reason, setReason] = useState<DeclineReason | null>(null);
  return (
    <fieldset class='panel panel--decline'>
      <legend class='panel__title'>{t('declineTitle')}</legend>
      <Choices name='reason' values={DECLINE_REASONS} label={(r) => t(`decline_${r}`)} chosen={reason} choose={setReason} />
      <div class='panel__actions'>
        <button type='button' class='panel__cancel' onClick={close}>{t('cancel')}</button>
        <button
          type='button'
          class='answer answer--decline panel__confirm'
          data-answer='decline'
          disabled={p.locked || reason === null}
          onClick={() => reason && p.answer('decline', { reason })}
        >
          {t('declineConfirm')}
        </button>
      </div>
    </fieldset>
  );
}

function ResolvePanel({ p, close }: { p: StepsProps; close: () => void }) {
  const [outcome, setOutcome] = useState<IncidentOutcome | null>(null);
  const [note, setNote] = useState('');
  return (
    <fieldset class='panel panel--resolve'>
      <legend class='panel__title'>{t('resolveTitle')}</legend>
      <Choices name='outcome' values={INCIDENT_OUTCOMES} label={(o) => t(`outcome_${o}` as StringKey)} chosen={outcome} choose={setOutcome} />
      <label class='panel__note'>
        <span>{t('resolveNote')}</span>
        <textarea rows={2} maxLength={500} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
      </label>
      <p class='panel__hint' hidden={outcome !== null}>{t('resolvePickOutcome')}</p>
      <div class='panel__actions'>
        <button type='button' class='panel__cancel' onClick={close}>{t('cancel')}</button>
        <button
          type='button'
          class='answer answer--resolved panel__confirm'
          data-answer='resolved'
          disabled={p.locked || outcome === null}
          onClick={() => outcome && p.answer('resolved', { outcome, ...(note.trim() && { note: note.trim() }) })}
        >
          {t('resolveConfirm')}
        </button>
      </div>
    </fieldset>
  );
}

export function JobSteps(p: StepsProps) {
  const [panel, setPanel] = useState<Panel>(null);
  // A second tap on the button that opened a panel leaves it open: it must not answer, nor close it.
  const open = (which: Panel) => () => setPanel(which);
  const close = () => setPanel(null);
  const { state, awaiting, mine, declined } = p.standing;
  if (declined || state === 'resolved' || state === 'closed') return null;
  if (awaiting) {
    return (
      <div class='job__steps'>
        <div class='step step--offer'>
          <StepButton answer='accept' label={t('reply_accept')} p={p} onTap={() => p.answer('accept')} />
          <button
            type='button'
            class='answer answer--decline-open'
            aria-expanded={panel === 'decline' ? 'true' : 'false'}
            disabled={p.locked}
            onClick={open('decline')}
          >
            {t('declineOpen')}
          </button>
        </div>
        {panel === 'decline' && <DeclinePanel p={p} close={close} />}
      </div>
    );
  }
  if (!mine) return null;
  // Rows in the job's order; a step passed over (straight to on scene) leaves its row empty, in place.
  return (
    <div class='job__steps'>
      <Done step='accept' p={p} />
      {state === 'accepted'
        ? <StepButton answer='en_route' label={t('reply_en_route')} p={p} onTap={() => p.answer('en_route')} />
        : state === 'en_route' || madeAt(p, 'en_route')
        ? <Done step='en_route' p={p} />
        : <p class='step step--skipped' />}
      {state === 'on_scene'
        ? <Done step='on_scene' p={p} />
        : <StepButton answer='on_scene' label={t('reply_on_scene')} p={p} onTap={() => p.answer('on_scene')} />}
      <button
        type='button'
        class='answer answer--resolve-open'
        aria-expanded={panel === 'resolve' ? 'true' : 'false'}
        disabled={p.locked}
        onClick={open('resolve')}
      >
        {t('resolveOpen')}
      </button>
      {panel === 'resolve' && <ResolvePanel p={p} close={close} />}
    </div>
  );
}
