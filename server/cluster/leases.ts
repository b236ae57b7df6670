/**
 * Leases: what only one node of a city may do at a time (serve a network link, `link:<id>`), held
 * in the PostgreSQL the nodes share. A node that wants a lease tries at once and then every
 * renewMs: the holder renews it, the others try to take it, and one takes it when it has expired
 * (its holder was killed, or lost the database) or was released (a clean stop). The database
 * orders the tries (lease-table.ts); each change of holder raises the lease's epoch.
 *
 * A holder that cannot reach the database keeps serving only until its own expiry, counted from
 * the start of its last renewal that succeeded — the moment its row expires for the others too —
 * and then says it lost the lease. So two nodes never both hold one beyond the difference of
 * their clocks (keep them in step, NTP).
 *
 * `gained` and `lost` alternate, one at a time (the next waits for the one before to return),
 * never twice in a row; what they throw is logged and changes nothing.
 */
import { type Clock, realClock, type TimerHandle } from '../clock.ts';
import type { Db } from '../store/connection.ts';
import { acquire, giveUp, leaseRow, type LeaseRow, renew } from './lease-table.ts';
import { NODE_NAME } from './node.ts';

export type { LeaseRow };

export interface LeaseHolder {
  /** this node holds the lease from now on, under `epoch` */
  gained(epoch: number): void | Promise<void>;
  /** it no longer does (taken, the database away, released): stop what it allowed */
  lost(reason: string): void | Promise<void>;
}

export interface LeaseOptions {
  /** how long a lease lasts after each renewal: another node takes it this long after its holder died */
  ttlMs?: number;
  /** how often the holder renews and the others try to take it */
  renewMs?: number;
  clock?: Clock;
  log?: (line: string) => void;
}

/** One lease this node holds or tries to. */
interface Lease {
  name: string;
  holder: LeaseHolder;
  /** what `gained` said and `lost` has not yet taken back: the epoch, and until when it is ours */
  held: { epoch: number; until: number } | null;
  /** the next try, or the one under way */
  next: TimerHandle | undefined;
  attempt: Promise<void> | null;
  /** when held: the moment it ends unless renewed before */
  expiry: TimerHandle | undefined;
  /** why the last try failed, while the database does not answer (logged once per outage) */
  failing: string | null;
  /** the gained/lost calls, one after another */
  told: Promise<void>;
  stopped: boolean;
}

/**
 * A lease lasts 6 s from the start of its holder's last renewal, renewed (and sought by the others)
 * every second: a dead holder's link or desk is taken over 6-7 s after its last renewal, inside the
 * city's 10 s aim, while a renewal may miss five times in a row (a slow database) before it is lost.
 */
export const LEASE_TTL_MS = 6000;
export const LEASE_RENEW_MS = 1000;

export class Leases {
  private readonly leases = new Map<string, Lease>();
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;

  constructor(private readonly db: Db, private readonly node: string, o: LeaseOptions = {}) {
    if (!NODE_NAME.test(node)) throw new Error(`leases: node name "${node}" must be lower-case letters, digits and -, starting with a letter (≤ 32)`);
    this.ttlMs = o.ttlMs ?? LEASE_TTL_MS;
    this.renewMs = o.renewMs ?? LEASE_RENEW_MS;
    // A holder renews several times in one lease's life, so one slow or failed renewal loses nothing.
    if (!(this.renewMs > 0 && this.renewMs * 2 <= this.ttlMs)) {
      throw new Error(`leases: renew every ${this.renewMs} ms does not fit a lease of ${this.ttlMs} ms (renew at most every ttl / 2)`);
    }
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** From now on try to hold lease `name`, telling `holder` when this node gains and loses it. */
  hold(name: string, holder: LeaseHolder): void {
    if (!name || name.length > 128) throw new Error(`leases: a lease name is 1 to 128 characters (got ${JSON.stringify(name.slice(0, 140))})`);
    if (this.leases.has(name)) throw new Error(`leases: ${this.node} already holds, tries to hold or is releasing "${name}"`);
    const lease: Lease = {
      name,
      holder,
      held: null,
      next: undefined,
      attempt: null,
      expiry: undefined,
      failing: null,
      told: Promise.resolve(),
      stopped: false,
    };
    this.leases.set(name, lease);
    this.try(lease);
  }

  /** Whether this node holds `name` now. */
  holding(name: string): boolean {
    const held = this.leases.get(name)?.held;
    return held != null && this.clock.now() < held.until;
  }

  /** Who holds `name` now, as the database says; null if nobody does (never taken, expired, released). */
  async holder(name: string): Promise<LeaseRow | null> {
    const row = await leaseRow(this.db, name);
    return row && row.expiresAt > this.clock.now() ? row : null;
  }

  /**
   * Stop trying to hold `name`. If this node held it: `lost('released')` first (what it allowed
   * stops), then the lease ends in the database, so another node takes it at its next try.
   */
  async release(name: string): Promise<void> {
    const lease = this.leases.get(name);
    if (!lease) return;
    lease.stopped = true;
    this.clock.clearTimeout(lease.next);
    await lease.attempt;
    if (lease.held) this.lose(lease, 'released');
    await lease.told;
    // Also when not held as far as we know: a try under way when we stopped may have taken it.
    await giveUp(this.db, name, this.node).catch((err: unknown) => {
      this.log(`lease "${name}": ${this.node} could not give it up (${message(err)}); another node takes it when it expires`);
    });
    // Only now may it be held again: a hold() meanwhile would have its new row ended by the line above.
    if (this.leases.get(name) === lease) this.leases.delete(name);
  }

  /** Release every lease (a clean stop: other nodes take them over at once). */
  async close(): Promise<void> {
    await Promise.all([...this.leases.keys()].map((name) => this.release(name)));
  }

  /**
   * Resolves once no try is under way (the gained/lost they called may still be running): what a
   * test on a simulated clock waits for before letting more time pass, so each try is answered
   * at the moment it was made.
   */
  async settled(): Promise<void> {
    for (;;) {
      const under = [...this.leases.values()].flatMap((l) => (l.attempt ? [l.attempt] : []));
      if (under.length === 0) return;
      await Promise.all(under);
    }
  }

  /** One try now; the next renewMs after this one started (at once if it took longer). */
  private try(lease: Lease): void {
    lease.next = undefined;
    if (lease.stopped) return;
    const startedAt = this.clock.now();
    lease.attempt = this.attempt(lease, startedAt).catch((err: unknown) => this.log(`lease "${lease.name}": ${this.node}'s try failed: ${message(err)}`))
      .finally(() => {
        lease.attempt = null;
        if (lease.stopped) return;
        lease.next = this.clock.setTimeout(() => this.try(lease), Math.max(0, startedAt + this.renewMs - this.clock.now()));
      });
  }

  private async attempt(lease: Lease, now: number): Promise<void> {
    // Counted from the try's start: the row says so too, whenever the answer comes.
    const until = now + this.ttlMs;
    let epoch: number | null;
    try {
      if (lease.held) epoch = (await renew(this.db, lease.name, this.node, lease.held.epoch, until)) ? lease.held.epoch : null;
      else epoch = await acquire(this.db, lease.name, this.node, now, until);
      if (lease.failing) this.log(`lease "${lease.name}": ${this.node} reaches the database again`);
      lease.failing = null;
    } catch (err) {
      if (!lease.failing) {
        const keeps = lease.held ? `; holding it until ${new Date(lease.held.until).toISOString()} at most` : '';
        this.log(`lease "${lease.name}": ${this.node} cannot reach the database (${message(err)})${keeps}`);
      }
      lease.failing = message(err);
      return;
    }
    if (lease.stopped) return; // release() ends it, whatever this try found
    if (epoch === null) {
      if (!lease.held) return;
      // Stop holding before asking who has it: for the time that takes, it is already not ours.
      this.endHolding(lease);
      this.tellLost(lease, `taken by ${await this.takenBy(lease.name)}`);
      return;
    }
    // An answer that came after its own lease ended says nothing about now.
    if (this.clock.now() >= until) return;
    if (lease.held) {
      lease.held.until = until;
    } else {
      lease.held = { epoch, until };
      this.log(`lease "${lease.name}": ${this.node} holds it (epoch ${epoch})`);
      this.tell(lease, 'gained', () => lease.holder.gained(epoch));
    }
    this.clock.clearTimeout(lease.expiry);
    lease.expiry = this.clock.setTimeout(() => this.expire(lease), until - this.clock.now());
  }

  /** The holder's own expiry came without a renewal: the database did not answer meanwhile. */
  private expire(lease: Lease): void {
    lease.expiry = undefined;
    if (!lease.held || this.clock.now() < lease.held.until) return;
    const why = lease.failing ?? 'no answer';
    this.lose(lease, `the database did not answer for ${this.ttlMs} ms (${why})`);
  }

  private lose(lease: Lease, reason: string): void {
    this.endHolding(lease);
    this.tellLost(lease, reason);
  }

  private endHolding(lease: Lease): void {
    lease.held = null;
    this.clock.clearTimeout(lease.expiry);
    lease.expiry = undefined;
  }

  private tellLost(lease: Lease, reason: string): void {
    this.log(`lease "${lease.name}": ${this.node} lost it: ${reason}`);
    this.tell(lease, 'lost', () => lease.holder.lost(reason));
  }

  /** Queue a gained/lost call after the ones before it. */
  private tell(lease: Lease, what: 'gained' | 'lost', call: () => void | Promise<void>): void {
    lease.told = lease.told.then(call).catch((err: unknown) => this.log(`lease "${lease.name}": ${what}() failed at ${this.node}: ${message(err)}`));
  }

  private async takenBy(name: string): Promise<string> {
    try {
      const row = await leaseRow(this.db, name);
      return row ? `${row.node} (epoch ${row.epoch})` : 'nobody: its row is gone';
    } catch (err) {
      return `another node (not read: ${message(err)})`;
    }
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
