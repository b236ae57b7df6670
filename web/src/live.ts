/** Talks to the service: JSON requests (the session cookie rides along) and the socket.io stream. */

import { io, type Socket } from 'socket.io-client';
import { isServerMessage, type ServerMessage } from '../../server/wire/messages.ts';
import type { ClientToServerEvents, ServerToClientEvents, VehicleView } from '../../server/wire/types.ts';
import { t } from './i18n.ts';
import { sayServer } from './said.tsx';

/** refused: the service turned the connection down (e.g. the session ended); retrying alone will not help */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'refused';

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LiveHandlers {
  snapshot(vehicles: VehicleView[]): void;
  update(vehicles: VehicleView[]): void;
  /** detail: the service's reason, for 'refused' (as a message the page says in its language, when the service sent one) */
  state(state: ConnectionState, detail?: string | ServerMessage): void;
}

/** A request the service answered with an error status; message names the request and the service's reason. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** the service's whole answer, e.g. a command's outcome or a failed preflight */
    readonly body?: unknown,
    /** the service's reason alone, without the method and path */
    readonly reason?: string,
  ) {
    super(message);
  }

  /** the service's reason as a code and parameters (body.said), for the page to say in its language */
  get said(): ServerMessage | undefined {
    const said = (this.body as { said?: unknown } | undefined)?.said;
    return isServerMessage(said) ? said : undefined;
  }
}

/** A request that never reached the service, or whose answer never came back (the network, or the service down). */
export class Unreachable extends Error {
  constructor(readonly what: string, readonly cause: Error) {
    super(`${what}: ${cause.message}`);
  }
}

/**
 * The service's reason for refusing a request as the page says it now: in its language when the
 * service sent a code, else the service's words, else the error's own message.
 */
export function reasonOf(error: unknown): string {
  const said = reasonSaid(error);
  return typeof said === 'string' ? said : typeof said === 'function' ? said() : sayServer(said);
}

/**
 * The same reason, kept to be said again: a message the page says in whatever language it speaks
 * when it draws it (an outcome line, after a language switch), else the words as they came.
 */
export function reasonSaid(error: unknown): ServerMessage | string | (() => string) {
  if (error instanceof ApiError) return error.said ?? error.reason ?? error.message;
  // The browser's own words for it ("Failed to fetch") are not the page's.
  if (error instanceof Unreachable) return () => t('serviceUnreachable');
  return error instanceof Error ? error.message : String(error);
}

/** The reason in a command's outcome (denied, no answer, not confirmed): its message when the service sent one, else its words. */
export function outcomeReason(answer: { reason?: string; said?: unknown }): ServerMessage | string {
  return isServerMessage(answer.said) ? answer.said : answer.reason ?? '';
}

/** A JSON request to the service. Errors name the method, path and the service's own explanation. */
export async function requestJson<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const what = `${method} ${path}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new Unreachable(what, error as Error);
  }
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (payload as { error?: unknown } | undefined)?.error;
    const reason = typeof error === 'string' ? error : `HTTP ${response.status}`;
    throw new ApiError(response.status, `${what}: ${reason}`, payload, reason);
  }
  if (payload === undefined) throw new Error(`${what}: the response is not JSON`);
  return payload as T;
}

/** Connects to the page's own origin; socket.io reconnects by itself and we report each state. */
export function connectLive(handlers: LiveHandlers): LiveSocket {
  const socket: LiveSocket = io();
  handlers.state('connecting');
  socket.on('connect', () => handlers.state('connected'));
  // The session ended (logged out elsewhere, password or roles changed, account disabled): the
  // service says why just before it closes the connection; reconnecting would only be refused.
  let ended: string | ServerMessage | null = null;
  socket.on('session:ended', (reason, said) => {
    ended = isServerMessage(said) ? said : reason;
  });
  socket.on('disconnect', (reason) => {
    if (ended !== null) {
      handlers.state('refused', ended);
      ended = null;
      return;
    }
    handlers.state('reconnecting');
    // socket.io retries by itself except after a server-side disconnect; a wall screen must always retry.
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.io.on('reconnect_attempt', () => handlers.state('reconnecting'));
  socket.on('connect_error', (error) => {
    // Still active: a network failure that socket.io retries. Inactive: the service said no.
    if (!socket.active) {
      const said = (error as Error & { data?: { said?: unknown } }).data?.said;
      handlers.state('refused', isServerMessage(said) ? said : error.message);
    }
  });
  socket.on('vehicles:snapshot', (vehicles) => handlers.snapshot(vehicles));
  socket.on('vehicles:update', (vehicles) => handlers.update(vehicles));
  return socket;
}
