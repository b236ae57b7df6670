/** The officer's open jobs, kept from the alerts the service pushes: a catch-up list on each (re)connection, then changes. */

import type { GroundAlertState, GroundAlertView } from '../../../server/wire/types.ts';
import type { QueuedAnswer } from './outbox.ts';

/** Why a job left the list, for a short notice; declines and resolutions are the officer's own doing. */
export type Departure = { kind: 'taken'; id: number; by: string } | { kind: 'reassigned'; id: number; to: string } | { kind: 'closed'; id: number } | {
  kind: 'done';
  id: number;
};

export interface JobChanges {
  /** jobs that now wait for this officer's answer and did not before (each offer once: a reassignment offers again) */
  newOffers: GroundAlertView[];
  departures: Departure[];
}

/**
 * The job as it stands once the answers waiting on this phone are taken: the state the card's
 * buttons follow, so an officer without a network can go on (accept, on my way, on scene)
 * while the answers wait. The service has the last word when they arrive.
 */
export interface Standing {
  state: GroundAlertState;
  /** offered to me and not answered, here or there */
  awaiting: boolean;
  /** I hold it (the service says so, or my accept waits to be sent) */
  mine: boolean;
  /** my decline waits to be sent */
  declined: boolean;
}

export function standing(job: GroundAlertView, me: string, queued: readonly QueuedAnswer[]): Standing {
  let state = job.state;
  let mine = job.assignee?.officer === me;
  let declined = false;
  for (const q of queued) {
    if (q.answer === 'decline') declined = true;
    else {
      state = q.answer === 'accept' ? 'accepted' : q.answer;
      if (q.answer === 'accept') mine = true;
    }
  }
  return { state, awaiting: queued.length === 0 && awaitsAnswer(job, me), mine, declined };
}

/** Offered to me, nobody has taken it, and I have not answered yet. */
export function awaitsAnswer(job: GroundAlertView, me: string): boolean {
  const mine = job.dispatch.find((d) => d.officer === me);
  return (job.state === 'open' || job.state === 'dispatched') && mine !== undefined && mine.answer === null;
}

export class Jobs {
  private readonly byId = new Map<number, GroundAlertView>();
  /** "id@notifiedAt" of offers already announced, so a reconnection does not ring for them again */
  private readonly announced = new Set<string>();

  constructor(readonly me: string) {}

  /**
   * Whether a job belongs on this phone: the service's own rule for an officer's catch-up (showsOn
   * in server/alerts/ground.ts: sent to me, not declined, not reassigned to someone else, not taken
   * by someone else, still open). Applied to everything received, so an account that also watches
   * the whole fleet still sees only its own jobs here.
   */
  private isMine(a: GroundAlertView): boolean {
    const d = a.dispatch.find((x) => x.officer === this.me);
    const open = a.state !== 'resolved' && a.state !== 'closed';
    return open && d !== undefined && d.answer !== 'decline' && !d.withdrawn && (!a.assignee || a.assignee.officer === this.me);
  }

  /** The full list the service sends on (re)connection: anything not in it is no longer mine. */
  replace(list: GroundAlertView[]): JobChanges {
    const changes = this.merge(list);
    const kept = new Set(list.filter((a) => this.isMine(a)).map((a) => a.id));
    for (const id of this.byId.keys()) {
      if (!kept.has(id)) {
        this.byId.delete(id);
        changes.departures.push({ kind: 'done', id });
      }
    }
    return changes;
  }

  /** Changed jobs (a live update, an offer, or the service's answer to mine). */
  merge(list: GroundAlertView[]): JobChanges {
    const changes: JobChanges = { newOffers: [], departures: [] };
    for (const a of list) {
      if (this.isMine(a)) {
        this.byId.set(a.id, a);
        const notifiedAt = a.dispatch.find((d) => d.officer === this.me)!.notifiedAt;
        const key = `${a.id}@${notifiedAt}`;
        if (awaitsAnswer(a, this.me) && !this.announced.has(key)) {
          this.announced.add(key);
          changes.newOffers.push(a);
        }
      } else if (this.byId.delete(a.id)) {
        const withdrawn = a.dispatch.find((d) => d.officer === this.me)?.withdrawn;
        changes.departures.push(
          withdrawn ?
            { kind: 'reassigned', id: a.id, to: withdrawn.to }
            : a.assignee && a.assignee.officer !== this.me ?
            { kind: 'taken', id: a.id, by: a.assignee.officer }
            : a.state === 'closed'
            ? { kind: 'closed', id: a.id }
            : { kind: 'done', id: a.id },
        );
      }
    }
    return changes;
  }

  get(id: number): GroundAlertView | undefined {
    return this.byId.get(id);
  }

  /** Waiting for my answer first (most urgent, then oldest), then the jobs I hold. */
  list(): GroundAlertView[] {
    const rank = (a: GroundAlertView) => (awaitsAnswer(a, this.me) ? 0 : 1);
    return [...this.byId.values()].sort((a, b) => rank(a) - rank(b) || a.priority - b.priority || a.createdAt - b.createdAt);
  }

  awaitingAnswer(): GroundAlertView[] {
    return this.list().filter((a) => awaitsAnswer(a, this.me));
  }
}
