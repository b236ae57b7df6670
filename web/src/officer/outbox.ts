/**
 * The officer's answers on their way to the service, kept on the phone: a tap made without a
 * network is not lost. Each answer keeps the time it was made and goes in the order it was made;
 * the list lives in localStorage (one per officer), so a reload or a closed browser keeps it.
 */

import type { DeclineReason, IncidentOutcome, OfficerAnswer } from '../../../server/wire/types.ts';

export interface QueuedAnswer {
  /** the job */
  id: number;
  answer: OfficerAnswer;
  /** when the officer tapped it (ms, the phone's clock) */
  at: number;
  reason?: DeclineReason;
  outcome?: IncidentOutcome;
  note?: string;
}

const KEY_PREFIX = 'skybeat.officer.outbox.';

function isQueued(x: unknown): x is QueuedAnswer {
  const q = x as QueuedAnswer;
  return typeof q === 'object' && q !== null && Number.isInteger(q.id) && typeof q.answer === 'string' && typeof q.at === 'number';
}

export class Outbox {
  private items: QueuedAnswer[];
  private readonly key: string;

  constructor(officer: string, private readonly changed: (items: readonly QueuedAnswer[]) => void) {
    this.key = KEY_PREFIX + officer;
    this.items = this.load();
  }

  /** What waits to be sent, oldest first. */
  get all(): readonly QueuedAnswer[] {
    return this.items;
  }

  forJob(id: number): QueuedAnswer[] {
    return this.items.filter((q) => q.id === id);
  }

  add(q: QueuedAnswer): void {
    this.items = [...this.items, q];
    this.save();
  }

  /** The first answer left the queue (taken by the service, or refused by it for good). */
  shift(): void {
    this.items = this.items.slice(1);
    this.save();
  }

  private load(): QueuedAnswer[] {
    try {
      const parsed: unknown = JSON.parse(localStorage.getItem(this.key) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter(isQueued) : [];
    } catch {
      // Storage refused or damaged: the answers of this page still queue, for as long as it is open.
      return [];
    }
  }

  private save(): void {
    try {
      if (this.items.length) localStorage.setItem(this.key, JSON.stringify(this.items));
      else localStorage.removeItem(this.key);
    } catch {
      // see load(): kept in memory only
    }
    this.changed(this.items);
  }
}
