import { english, type ServerMessage } from './wire/messages.ts';

/** Why the domain refused a request, in its own words: the http layer gives each its status code. */
export type RefusalKind = 'invalid' | 'forbidden' | 'not_found' | 'conflict' | 'too_large' | 'unprocessable';

/**
 * A request the domain refuses, saying why (the message) and what kind of refusal it is. Patrols,
 * control, dispatch and the route folder throw these; only server/http knows HTTP
 * (http/errors.ts maps each kind to its status), so the same code can answer a socket or a tool.
 * Given as a message code (server/wire/messages.ts), the refusal is said to people in their page's
 * language (`said`, sent beside the English); given as English only, it is said in English everywhere.
 */
export class Refusal extends Error {
  readonly said?: ServerMessage;

  constructor(readonly kind: RefusalKind, why: string | ServerMessage) {
    super(typeof why === 'string' ? why : english(why));
    if (typeof why !== 'string') this.said = why;
  }
}
