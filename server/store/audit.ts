import crypto from 'node:crypto';
import type { Db } from './connection.ts';
import type { RecordWriter } from './write-journal.ts';

export interface AuditEntry {
  id: number;
  time: number;
  user: string | null;
  action: string;
  target: string | null;
  result: string;
  detail: unknown;
  ip: string | null;
}

export interface AuditQuery {
  from?: number;
  to?: number;
  user?: string;
  action?: string;
  limit?: number;
}

/** What a refused request or connection is recorded with; the target is whatever the caller asked for. */
export interface RefusedRequest {
  ip: string | null;
  user?: string | null;
  action: string;
  result: string;
  target: string;
  detail?: Record<string, unknown>;
}

export interface AuditOptions {
  /** refusals from one address (and user, action, result) within this long share one row */
  refusalWindowMs?: number;
  /**
   * Rows counting at once within a window (addresses, or a signed-in user's targets); refusals
   * beyond (a spread-out flood) share one row under the address "*", so rows stay bounded.
   */
  maxOpenRows?: number;
  now?: () => number;
}

/** Longest target kept: a request path is chosen by whoever sends it (15 KB paths were seen). */
export const MAX_TARGET_CHARS = 200;
/** Longest detail kept (JSON): a refused command's body, say, is kept up to this. */
export const MAX_DETAIL_CHARS = 8000;
/** Distinct targets kept as samples in one refusal row. */
const SAMPLE_TARGETS = 5;

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…` : s);

interface OpenRefusal {
  /** the row's entry_key: the journal writes it before its id is known */
  key: string;
  first: number;
  last: number;
  count: number;
  saved: number;
  until: number;
  targets: string[];
  detail: Record<string, unknown>;
}

type NewEntry = { user?: string | null; action: string; target?: string | null; result: string; detail?: unknown; ip?: string | null };

/**
 * Who did what, when, to what, and how it ended: every command, launch, alert change and login.
 * Written without waiting (write-journal.ts: at once on SQLite, through the journal on PostgreSQL),
 * so an action is never held up, nor lost, by the database. Refused requests are aggregated (see
 * refused()) so a flood of them cannot fill the disk.
 */
export class AuditLog {
  private readonly open = new Map<string, OpenRefusal>();
  private flusher: ReturnType<typeof setInterval> | null = null;
  private readonly windowMs: number;
  private readonly maxOpenRows: number;
  private readonly now: () => number;

  constructor(private readonly db: Db, private readonly writer: RecordWriter, o: AuditOptions = {}) {
    this.windowMs = o.refusalWindowMs ?? 60_000;
    this.maxOpenRows = o.maxOpenRows ?? 1000;
    this.now = o.now ?? Date.now;
  }

  record(e: NewEntry): void {
    this.write(this.now(), e);
  }

  private write(time: number, e: NewEntry, entryKey: string | null = null): void {
    let detail = e.detail === undefined ? null : JSON.stringify(e.detail);
    if (detail !== null && detail.length > MAX_DETAIL_CHARS) detail = JSON.stringify({ truncated: clip(detail, MAX_DETAIL_CHARS) });
    const row = {
      time,
      user: e.user == null ? null : clip(e.user, 100),
      action: e.action,
      target: e.target == null ? null : clip(e.target, MAX_TARGET_CHARS),
      result: e.result,
      detail,
      ip: e.ip ?? null,
      entry_key: entryKey,
    };
    this.writer.write([this.db.k.insertInto('audit').values(row).compile()], 'kept');
  }

  /**
   * A refused request (no session, wrong role, foreign origin): the first from an address (for
   * a signed-in user: and target) in a window is written at once, in full; the rest of that
   * window only count on that row (detail.count, detail.targets: a few samples, detail.lastAt).
   * Successful and other security events go through record() untouched.
   */
  refused(r: RefusedRequest): void {
    const now = this.now();
    const target = clip(r.target, MAX_TARGET_CHARS);
    // A signed-in user's refusals are kept per target too (which route they tried matters, and
    // they are known); an anonymous caller's are counted per address, whatever paths it makes up.
    let key = JSON.stringify([r.ip, r.user ?? null, r.action, r.result, r.user ? target : null]);
    let ip = r.ip;
    if (!this.open.has(key) && this.open.size >= this.maxOpenRows) {
      ip = '*';
      key = JSON.stringify(['*', null, r.action, r.result, null]);
    }
    const o = this.open.get(key);
    if (o && now < o.until) {
      o.count++;
      o.last = now;
      if (o.targets.length < SAMPLE_TARGETS && !o.targets.includes(target)) o.targets.push(target);
      return;
    }
    if (o) this.save(o);
    const detail = { ...r.detail, count: 1 };
    const entryKey = crypto.randomUUID();
    this.write(now, { user: ip === r.ip ? r.user : null, action: r.action, target, result: r.result, detail, ip }, entryKey);
    this.open.set(key, { key: entryKey, first: now, last: now, count: 1, saved: 1, until: now + this.windowMs, targets: [target], detail: r.detail ?? {} });
    // Counts reach the database at least once a window even when the refusals stop.
    this.flusher ??= setInterval(() => this.flush(), this.windowMs);
    this.flusher.unref();
  }

  private save(o: OpenRefusal): void {
    if (o.count === o.saved) return;
    const detail = { ...o.detail, count: o.count, targets: o.targets, lastAt: o.last };
    this.writer.write([this.db.k.updateTable('audit').set({ detail: JSON.stringify(detail) }).where('entry_key', '=', o.key).compile()], 'kept');
    o.saved = o.count;
  }

  /** Write the counts of refusals so far; forget the windows that are over. */
  flush(): void {
    const now = this.now();
    for (const [key, o] of this.open) {
      this.save(o);
      if (now >= o.until) this.open.delete(key);
    }
    if (this.open.size === 0 && this.flusher) {
      clearInterval(this.flusher);
      this.flusher = null;
    }
  }

  /** Delete entries older than `before` (ms since epoch); returns how many. */
  async prune(before: number): Promise<number> {
    await this.writer.drained();
    const r = await this.db.k.deleteFrom('audit').where('time', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** The last counts of refused requests (what waits to be written is the journal's, closed with the store). */
  close(): void {
    this.flush();
    if (this.flusher) clearInterval(this.flusher);
    this.flusher = null;
  }

  async query(q: AuditQuery = {}): Promise<AuditEntry[]> {
    this.flush();
    await this.writer.drained(); // what this service recorded is in what it reads
    let s = this.db.k.selectFrom('audit').select(['id', 'time', 'user', 'action', 'target', 'result', 'detail', 'ip']);
    if (q.from !== undefined) s = s.where('time', '>=', q.from);
    if (q.to !== undefined) s = s.where('time', '<=', q.to);
    if (q.user) s = s.where('user', '=', q.user);
    if (q.action) s = s.where('action', '=', q.action);
    const rows = await s.orderBy('id', 'desc').limit(Math.min(q.limit ?? 200, 5000)).execute();
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) }));
  }
}
