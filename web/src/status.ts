/**
 * The plain-words status of the page: the live connection badge, the banner the service's own
 * announcement that it is stopping raises, and error notices over the map.
 */

import { isServerMessage, type ServerMessage } from '../../server/wire/messages.ts';
import { isSignal } from '../../server/wire/types.ts';
import { make } from './dom.ts';
import { followLanguage, t, type StringKey } from './i18n.ts';
import { reasonOf, type ConnectionState } from './live.ts';
import { sayServer } from './said.tsx';

/** The service's words, or its message said in the page's language. */
const detailText = (detail: string | ServerMessage) => (typeof detail === 'string' ? detail : sayServer(detail));

const connectionText: Record<ConnectionState, StringKey> = {
  connecting: 'connConnecting',
  connected: 'connConnected',
  reconnecting: 'connReconnecting',
  refused: 'connRefused',
};

/** Why the service stops, in the page's language: its message, else a signal in words, else the reason as given. */
export function stoppingText(s: { reason: string; said?: ServerMessage }): string {
  if (s.said) return sayServer(s.said);
  return isSignal(s.reason) ? t('stopSignal', { signal: s.reason }) : s.reason;
}

export class StatusDisplay {
  private connection: { state: ConnectionState; detail: string | ServerMessage } = { state: 'connecting', detail: '' };
  /** kept as keys and errors, so they follow language switches (the service's reason said in the page's language) */
  private readonly notices: Array<{ key: StringKey; error: unknown }> = [];
  /** the reason the service gave for stopping (and as a message, when it sent one), until it is back */
  private stopping: { reason: string; said?: ServerMessage } | null = null;

  constructor(
    private readonly badge: HTMLElement,
    private readonly noticeBox: HTMLElement,
    private readonly shutdownBanner: HTMLElement,
  ) {
    followLanguage(() => this.relabel());
  }

  showConnection(state: ConnectionState, detail: string | ServerMessage = ''): void {
    this.connection = { state, detail };
    this.badge.dataset.state = state;
    this.badge.textContent = t(connectionText[state], { detail: detailText(detail) });
    // Markers dim while the data may be stale.
    document.body.classList.toggle('is-offline', state !== 'connected');
    if (state === 'connected') this.showShutdown(null);
  }

  /** The service announced it is stopping (null: it is back); said: its reason as a message, from services that send one. */
  showShutdown(reason: string | null, said?: unknown): void {
    this.stopping = reason === null ? null : { reason, ...(isServerMessage(said) && { said }) };
    this.shutdownBanner.hidden = reason === null;
    this.shutdownBanner.textContent = this.stopping === null ? '' : t('serviceStopping', { reason: stoppingText(this.stopping) });
  }

  addNotice(key: StringKey, error: unknown): void {
    this.notices.push({ key, error });
    this.renderNotices();
  }

  /** Everything said again in the page's language. */
  private relabel(): void {
    this.showConnection(this.connection.state, this.connection.detail);
    this.showShutdown(this.stopping?.reason ?? null, this.stopping?.said);
    this.renderNotices();
  }

  private renderNotices(): void {
    this.noticeBox.replaceChildren(...this.notices.map(({ key, error }) => make('p', 'notice', t(key, { detail: reasonOf(error) }))));
    this.noticeBox.hidden = this.notices.length === 0;
  }
}
