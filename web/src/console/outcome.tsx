/**
 * The line under a control that says what became of the last request, in the service's words:
 * accepted, denied with the autopilot's reason, timed out, unconfirmed, or refused here. It keeps
 * what to say, not the words: drawn with say(), it is said again in the language of the moment.
 * A reason the service sent as a message (server/wire/messages.ts) is drawn by Said, so the
 * autopilot's own words inside it stay marked as its own.
 */

import { signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { isServerMessage, type ServerMessage } from '../../../server/wire/messages.ts';
import { say, type Phrase, type StringKey } from '../i18n.ts';
import { Said } from '../said.tsx';

export type OutcomeKind = 'pending' | 'accepted' | 'denied' | 'timeout' | 'unconfirmed' | 'cancelled' | 'refused' | 'error';

/** What fills a line's placeholders: the page's words, or the service's message. */
export type OutcomeParams = Record<string, NonNullable<Phrase['params']>[string] | ServerMessage>;

export class Outcome {
  readonly said = signal<{ kind: OutcomeKind; key: StringKey; params?: OutcomeParams } | null>(null);

  show(kind: OutcomeKind, key: StringKey, params?: OutcomeParams): void {
    this.said.value = { kind, key, params };
  }

  clear(): void {
    this.said.value = null;
  }
}

/** Stands for a message's place in the line while the rest is said; no string table holds it. */
const MARK = '\u0000';

/** The line in the page's language, each service message in it drawn by Said. */
function OutcomeText({ line, params = {} }: { line: StringKey; params?: OutcomeParams }): ComponentChildren {
  const messages: Record<string, ServerMessage> = {};
  const plain: NonNullable<Phrase['params']> = {};
  for (const [name, value] of Object.entries(params)) {
    if (isServerMessage(value)) {
      messages[name] = value;
      plain[name] = `${MARK}${name}${MARK}`;
    } else plain[name] = value as NonNullable<Phrase['params']>[string];
  }
  const text = say({ key: line, params: plain });
  if (!Object.keys(messages).length) return text;
  return text.split(MARK).map((piece, i) => (i % 2 ? <Said key={i} said={messages[piece]} fallback='' /> : piece));
}

export function OutcomeLine({ outcome, class: extra }: { outcome: Outcome; class?: string }) {
  const said = outcome.said.value;
  return (
    <p class={extra ? `outcome ${extra}` : 'outcome'} role='status' hidden={!said} data-outcome={said?.kind}>
      {said ? <OutcomeText line={said.key} params={said.params} /> : ''}
    </p>
  );
}
