/** Why the domain refused a request, in its own words: the http layer gives each its status code. */
export type RefusalKind = 'invalid' | 'forbidden' | 'not_found' | 'conflict' | 'too_large' | 'unprocessable';

/**
 * A request the domain refuses, saying why (the message) and what kind of refusal it is. Patrols,
 * control, dispatch and the route folder throw these; only server/http knows HTTP
 * (http/errors.ts maps each kind to its status), so the same code can answer a socket or a tool.
 */
export class Refusal extends Error {
  constructor(readonly kind: RefusalKind, message: string) {
    super(message);
  }
}
