/**
 * The line under a control that says what became of the last request, in the service's words:
 * accepted, denied with the autopilot's reason, timed out, unconfirmed, or refused here.
 */

import { make } from '../dom.ts';

export type OutcomeKind = 'pending' | 'accepted' | 'denied' | 'timeout' | 'unconfirmed' | 'cancelled' | 'refused' | 'error';

export class OutcomeLine {
  readonly element = make('p', 'outcome');

  constructor() {
    this.element.hidden = true;
    this.element.setAttribute('role', 'status');
  }

  show(kind: OutcomeKind, text: string): void {
    this.element.dataset.outcome = kind;
    this.element.textContent = text;
    this.element.hidden = false;
  }

  clear(): void {
    this.element.hidden = true;
    delete this.element.dataset.outcome;
  }
}
