/** The officer page's short note (a job taken by someone else, a duty change refused): shown for a while, in the language of the moment. */

import { signal } from '@preact/signals';
import type { Phrase } from '../i18n.ts';

const NOTICE_MS = 15_000;

export class Notice {
  /** what the note says (a phrase, or words as they came, e.g. an error's); null: none */
  readonly said = signal<Phrase | string | null>(null);
  private timer: ReturnType<typeof setTimeout> | undefined;

  show(said: Phrase | string): void {
    clearTimeout(this.timer);
    this.said.value = said;
    this.timer = setTimeout(() => (this.said.value = null), NOTICE_MS);
  }
}
