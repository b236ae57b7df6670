/**
 * The line under a control that says what became of the last request, in the service's words:
 * accepted, denied with the autopilot's reason, timed out, unconfirmed, or refused here. It keeps
 * what to say, not the words: drawn with say(), it is said again in the language of the moment.
 */

import { signal } from '@preact/signals';
import { phrase, say, type Phrase, type StringKey } from '../i18n.ts';

export type OutcomeKind = 'pending' | 'accepted' | 'denied' | 'timeout' | 'unconfirmed' | 'cancelled' | 'refused' | 'error';

export class Outcome {
  readonly said = signal<{ kind: OutcomeKind; phrase: Phrase } | null>(null);

  show(kind: OutcomeKind, key: StringKey, params?: Phrase['params']): void {
    this.said.value = { kind, phrase: phrase(key, params) };
  }

  clear(): void {
    this.said.value = null;
  }
}

export function OutcomeLine({ outcome, class: extra }: { outcome: Outcome; class?: string }) {
  const said = outcome.said.value;
  return (
    <p class={extra ? `outcome ${extra}` : 'outcome'} role='status' hidden={!said} data-outcome={said?.kind}>
      {said ? say(said.phrase) : ''}
    </p>
  );
}
