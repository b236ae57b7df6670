/**
 * The line under a control that says what became of the last request, in the service's words:
 * accepted, denied with the autopilot's reason, timed out, unconfirmed, or refused here.
 */

import { make } from '../dom.ts';
import { followLanguage } from '../i18n.ts';

export type OutcomeKind = 'pending' | 'accepted' | 'denied' | 'timeout' | 'unconfirmed' | 'cancelled' | 'refused' | 'error';

export class OutcomeLine {
  readonly element = make('p', 'outcome');
  /** says the line in the current language: kept, so a language switch says it again */
  private text: (() => string) | null = null;

  constructor() {
    this.element.hidden = true;
    this.element.setAttribute('role', 'status');
    followLanguage(() => { if (this.text) this.element.textContent = this.text(); });
  }

  show(kind: OutcomeKind, text: () => string): void {
    this.text = text;
    this.element.dataset.outcome = kind;
    this.element.textContent = text();
    this.element.hidden = false;
  }

  clear(): void {
    this.text = null;
    this.element.hidden = true;
    delete this.element.dataset.outcome;
  }
}
