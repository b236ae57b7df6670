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

/** Who did what, when, to what, and how it ended: every command, launch, alert change and login. */
export class AuditLog {
  private readonly insert;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      'INSERT INTO audit (time, user, action, target, result, detail, ip) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  record(e: { user?: string | null; action: string; target?: string | null; result: string; detail?: unknown; ip?: string | null }): void {
    this.insert.run(Date.now(), e.user ?? null, e.action, e.target ?? null, e.result,
      e.detail === undefined ? null : JSON.stringify(e.detail), e.ip ?? null);
  }

  query(q: AuditQuery = {}): AuditEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.from !== undefined) { where.push('time >= ?'); args.push(q.from); }
    if (q.to !== undefined) { where.push('time <= ?'); args.push(q.to); }
    if (q.user) { where.push('user = ?'); args.push(q.user); }
    if (q.action) { where.push('action = ?'); args.push(q.action); }
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, Math.min(q.limit ?? 200, 5000)) as (Omit<AuditEntry, 'detail'> & { detail: string | null })[];
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) }));
  }
}
