/**
 * Closing an incident asks how it ended (处置结果) and takes a note. The officer's outcome, when
 * they recorded one on resolving, is chosen already; without one, Close waits until an outcome is
 * chosen. The dialog sends the close itself: a refusal keeps it open with the choice and the note
 * as they were, so nothing typed is lost. Cancel is focused first, so a stray Enter closes nothing.
 */

import { signal } from '@preact/signals';
import { render } from 'preact';
import { INCIDENT_OUTCOMES, type GroundAlertView, type IncidentOutcome } from '../../../server/wire/types.ts';
import { t, tOptional } from '../i18n.ts';
import { ApiError, reasonOf, requestJson } from '../live.ts';
import { categoryName } from './ground-markers.ts';
import { outcomeName } from './outcome-names.ts';
import './close-dialog.css';

/** The service's reason in the page's language when it sent a code for it, else its words. */
function refusalText(error: unknown): string {
  const body = error instanceof ApiError ? (error.body as { code?: string; params?: Record<string, string | number> } | undefined) : undefined;
  if (body?.code) {
    const said = tOptional(`refusal_${body.code}`, '');
    if (said) return said.replace(/\{(\w+)\}/g, (_, k: string) => String(body.params?.[k] ?? ''));
  }
  return reasonOf(error);
}

export class CloseOutcomeDialog {
  readonly alert = signal<GroundAlertView | null>(null);
  readonly outcome = signal<IncidentOutcome | null>(null);
  readonly note = signal('');
  readonly error = signal<string | null>(null);
  readonly sending = signal(false);
  private readonly dialog: HTMLDialogElement;
  private done: ((closed: GroundAlertView | null) => void) | null = null;

  constructor(parent: HTMLElement = document.body) {
    this.dialog = Object.assign(document.createElement('dialog'), { id: 'close-outcome', className: 'dialog close-outcome' });
    parent.append(this.dialog);
    this.dialog.addEventListener('close', () => this.finish(null));
    render(<CloseOutcomeView dialog={this} />, this.dialog);
  }

  /** Ask for the outcome and close the incident; resolves with the closed incident, or null when cancelled. */
  ask(alert: GroundAlertView): Promise<GroundAlertView | null> {
    this.finish(null);
    this.alert.value = alert;
    this.outcome.value = alert.outcome?.code ?? null;
    this.note.value = '';
    this.error.value = null;
    this.dialog.showModal();
    this.dialog.querySelector<HTMLButtonElement>('.close-outcome__cancel')?.focus();
    return new Promise((resolve) => (this.done = resolve));
  }

  cancel(): void {
    this.dialog.close();
  }

  async send(): Promise<void> {
    const alert = this.alert.value;
    const outcome = this.outcome.value;
    if (!alert || !outcome || this.sending.value) return;
    this.sending.value = true;
    this.error.value = null;
    try {
      const closed = await requestJson<GroundAlertView>('POST', `/api/alerts/${alert.id}/close`, { outcome, note: this.note.value.trim() });
      this.finish(closed);
      this.dialog.close();
    } catch (error) {
      this.error.value = refusalText(error);
    } finally {
      this.sending.value = false;
    }
  }

  private finish(closed: GroundAlertView | null): void {
    const done = this.done;
    this.done = null;
    done?.(closed);
  }
}

/** Drawn before the first incident is asked about too: the buttons exist when the dialog opens, so Cancel takes the focus. */
function CloseOutcomeView({ dialog }: { dialog: CloseOutcomeDialog }) {
  const alert = dialog.alert.value;
  const chosen = dialog.outcome.value;
  const error = dialog.error.value;
  const officers = alert?.outcome ?? null;
  return (
    <form
      class='dialog__form'
      onSubmit={(event) => {
        event.preventDefault();
        void dialog.send();
      }}
    >
      <h2 class='dialog__title'>{alert && t('closeIncidentTitle', { id: alert.number, category: categoryName(alert.category) })}</h2>
      <p class='confirm__message'>{t('closeIncidentHint')}</p>
      {officers ?
        (
          <p class='close-outcome__officer'>
            {t('outcomeByOfficer', { officer: officers.by, outcome: outcomeName(officers.code) })}
            {officers.note ? ` · ${officers.note}` : ''}
          </p>
        )
        : alert?.state === 'resolved' && <p class='close-outcome__missing'>{t('outcomeMissing')}</p>}
      <fieldset class='close-outcome__choices'>
        <legend>{t('outcomeLabel')}</legend>
        {INCIDENT_OUTCOMES.map((code) => (
          <label key={code} class='close-outcome__choice'>
            <input type='radio' name='outcome' value={code} checked={chosen === code} onChange={() => (dialog.outcome.value = code)} />
            <span>{outcomeName(code)}</span>
          </label>
        ))}
      </fieldset>
      <label class='field'>
        <span>{t('outcomeNoteLabel')}</span>
        <textarea name='note' rows={3} maxLength={500} value={dialog.note.value} onInput={(event) => (dialog.note.value = event.currentTarget.value)} />
      </label>
      <p class='alert-form__error close-outcome__error' role='alert' hidden={error === null}>{error === null ? '' : t('closeRefused', { reason: error })}</p>
      <div class='dialog__buttons'>
        <button type='button' class='button close-outcome__cancel' autofocus onClick={() => dialog.cancel()}>{t('cancel')}</button>
        <button type='submit' class='button button--danger close-outcome__close' disabled={chosen === null || dialog.sending.value}>
          {t('closeIncident')}
        </button>
      </div>
    </form>
  );
}
