import type { Db } from './db.ts';

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
  id: number;
  first: number;
  last: number;
  count: number;
  saved: number;
  until: number;
  targets: string[];
  detail: Record<string, unknown>;
}

/**
 * Who did what, when, to what, and how it ended: every command, launch, alert change and login.
 * Refused requests are aggregated (see refused()) so a flood of them cannot fill the disk.
 */
export class AuditLog {
  private readonly insert;
  private readonly setDetail;
  private readonly open = new Map<string, OpenRefusal>();
  private flusher: ReturnType<typeof setInterval> | null = null;
  private readonly windowMs: number;
  private readonly maxOpenRows: number;
  private readonly now: () => number;

  constructor(private readonly db: Db, o: AuditOptions = {}) {
    this.insert = db.prepare(
      'INSERT INTO audit (time, user, action, target, result, detail, ip) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.setDetail = db.prepare('UPDATE audit SET detail = ? WHERE id = ?');
    this.windowMs = o.refusalWindowMs ?? 60_000;
    this.maxOpenRows = o.maxOpenRows ?? 1000;
    this.now = o.now ?? Date.now;
  }

  record(e: { user?: string | null; action: string; target?: string | null; result: string; detail?: unknown; ip?: string | null }): number {
    return this.write(this.now(), e);
  }

  private write(
    time: number,
    e: { user?: string | null; action: string; target?: string | null; result: string; detail?: unknown; ip?: string | null },
  ): number {
    let detail = e.detail === undefined ? null : JSON.stringify(e.detail);
    if (detail !== null && detail.length > MAX_DETAIL_CHARS) detail = JSON.stringify({ truncated: clip(detail, MAX_DETAIL_CHARS) });
    return Number(
      this.insert.run(
        time,
        e.user == null ? null : clip(e.user, 100),
        e.action,
        e.target == null ? null : clip(e.target, MAX_TARGET_CHARS),
        e.result,
        detail,
        e.ip ?? null,
      ).lastInsertRowid,
    );
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
    const id = this.write(now, { user: ip === r.ip ? r.user : null, action: r.action, target, result: r.result, detail, ip });
    this.open.set(key, { id, first: now, last: now, count: 1, saved: 1, until: now + this.windowMs, targets: [target], detail: r.detail ?? {} });
    // Counts reach the database at least once a window even when the refusals stop.
    this.flusher ??= setInterval(() => this.flush(), this.windowMs);
    this.flusher.unref();
  }

  private save(o: OpenRefusal): void {
    if (o.count === o.saved) return;
    const detail = { ...o.detail, count: o.count, targets: o.targets, lastAt: o.last };
    this.setDetail.run(JSON.stringify(detail), o.id);
    o.saved = o.count;
  }

  /** Write the counts of refusals so far; forget the windows that are over. */
  flush(): void {
    if (!this.db.open) return;
    const now = this.now();
    this.db.transaction(() => {
      for (const [key, o] of this.open) {
        this.save(o);
        if (now >= o.until) this.open.delete(key);
      }
    })();
    if (this.open.size === 0 && this.flusher) {
      clearInterval(this.flusher);
      this.flusher = null;
    }
  }

  /** Delete entries older than `before` (ms since epoch); returns how many. */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM audit WHERE time < ?').run(before).changes;
  }

  close(): void {
    this.flush();
    if (this.flusher) clearInterval(this.flusher);
    this.flusher = null;
  }

  query(q: AuditQuery = {}): AuditEntry[] {
    this.flush();
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.from !== undefined) {
      where.push('time >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('time <= ?');
      args.push(q.to);
    }
    if (q.user) {
      where.push('user = ?');
      args.push(q.user);
    }
    if (q.action) {
      where.push('action = ?');
      args.push(q.action);
    }
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, Math.min(q.limit ?? 200, 5000)) as (Omit<AuditEntry, 'detail'> & { detail: string | null })[];
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) }));
  }
}
