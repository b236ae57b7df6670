/**
 * The plain-words status of the page: the live connection badge, the banner the service's own
 * announcement that it is stopping raises, and error notices over the map.
 */

import { isSignal } from '../../server/wire/types.ts';
import { make } from './dom.ts';
import { followLanguage, t, type StringKey } from './i18n.ts';
import type { ConnectionState } from './live.ts';

const connectionText: Record<ConnectionState, StringKey> = {
  connecting: 'connConnecting',
  connected: 'connConnected',
  reconnecting: 'connReconnecting',
  refused: 'connRefused',
};

export class StatusDisplay {
  private connection: { state: ConnectionState; detail: string } = { state: 'connecting', detail: '' };
  /** kept as keys, so they follow language switches */
  private readonly notices: Array<{ key: StringKey; detail: string }> = [];
  /** the reason the service gave for stopping, until it is back */
  private stopping: string | null = null;

  constructor(
    private readonly badge: HTMLElement,
    private readonly noticeBox: HTMLElement,
    private readonly shutdownBanner: HTMLElement,
  ) {
    followLanguage(() => this.relabel());
  }

  showConnection(state: ConnectionState, detail = ''): void {
    this.connection = { state, detail };
    this.badge.dataset.state = state;
    this.badge.textContent = t(connectionText[state], { detail });
    // Markers dim while the data may be stale.
    document.body.classList.toggle('is-offline', state !== 'connected');
    if (state === 'connected') this.showShutdown(null);
  }

  /** The service announced it is stopping (null: it is back). */
  showShutdown(reason: string | null): void {
    this.stopping = reason;
    this.shutdownBanner.hidden = reason === null;
    this.shutdownBanner.textContent = reason === null ? '' : t('serviceStopping', { reason: isSignal(reason) ? t('stopSignal', { signal: reason }) : reason });
  }

  addNotice(key: StringKey, error: unknown): void {
    this.notices.push({ key, detail: error instanceof Error ? error.message : String(error) });
    this.renderNotices();
  }

  /** Everything said again in the page's language. */
  private relabel(): void {
    this.showConnection(this.connection.state, this.connection.detail);
    this.showShutdown(this.stopping);
    this.renderNotices();
  }

  private renderNotices(): void {
    this.noticeBox.replaceChildren(...this.notices.map(({ key, detail }) => make('p', 'notice', t(key, { detail }))));
    this.noticeBox.hidden = this.notices.length === 0;
  }
}
