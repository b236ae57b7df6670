import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Db } from './db.ts';

export const ROLES = ['pilot', 'command', 'officer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: number;
  name: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  createdAt: number;
}

interface UserRow {
  id: number;
  name: string;
  display_name: string;
  password_hash: string;
  disabled: number;
  created_at: number;
}

/** Why sessions ended, in words a page can show its user. */
export type SessionEnd = 'logged out' | 'password changed' | 'roles changed' | 'account disabled' | 'account removed';

/** Sessions that ended in this process: one session (logout) or all of a user's. */
export type SessionsEnded = { reason: SessionEnd } & ({ tokenHash: string } | { userId: number });

/** A change the rules refuse (e.g. leaving the station without an enabled admin). */
export class UserRuleError extends Error {}

/** Only this is stored of a session token, and open connections are matched by it. */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * User names are compared without case, for every letter: the column's NOCASE collation folds
 * ASCII only, so "ÉMILE" and "émile" would otherwise be two accounts (and "Admin" the admin).
 */
const nameKey = (name: unknown) => (typeof name === 'string' ? name.normalize('NFC').toLowerCase() : name);

/**
 * Users, their roles and their sessions. All SQL about people lives here. Emits
 * 'sessions-ended' when sessions end here, so open live connections of them can end at once.
 */
export class UserStore extends EventEmitter<{ 'sessions-ended': [SessionsEnded] }> {
  constructor(private readonly db: Db) {
    super();
    db.function('skybeat_name_key', { deterministic: true }, nameKey);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  private rolesOf(id: number): Role[] {
    return (this.db.prepare('SELECT role FROM user_roles WHERE user_id = ? ORDER BY role').all(id) as { role: Role }[]).map((r) => r.role);
  }

  private toUser(row: UserRow): User {
    return { id: row.id, name: row.name, displayName: row.display_name, roles: this.rolesOf(row.id), disabled: row.disabled === 1, createdAt: row.created_at };
  }

  list(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as UserRow[]).map((r) => this.toUser(r));
  }

  byId(id: number): User | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row && this.toUser(row);
  }

  /** The account of this name in any case ("Li.Wei" is li.wei); an exact spelling wins should two exist from before. */
  byName(name: string): (User & { passwordHash: string }) | undefined {
    const row = this.db.prepare(
      'SELECT * FROM users WHERE skybeat_name_key(name) = skybeat_name_key(?) ORDER BY name = ? COLLATE BINARY DESC, id LIMIT 1',
    ).get(name, name) as UserRow | undefined;
    return row && { ...this.toUser(row), passwordHash: row.password_hash };
  }

  add(name: string, passwordHash: string, roles: Role[], displayName = ''): User {
    return this.db.transaction(() => {
      if (this.byName(name)) throw new UserRuleError(`user "${name}" already exists`);
      const info = this.db.prepare('INSERT INTO users (name, display_name, password_hash, created_at) VALUES (?, ?, ?, ?)')
        .run(name, displayName, passwordHash, Date.now());
      const id = Number(info.lastInsertRowid);
      this.setRolesTx(id, roles);
      return this.toUser(this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow);
    })();
  }

  private setRolesTx(id: number, roles: Role[]): void {
    this.db.prepare('DELETE FROM user_roles WHERE user_id = ?').run(id);
    const ins = this.db.prepare('INSERT INTO user_roles (user_id, role) VALUES (?, ?)');
    for (const r of new Set(roles)) ins.run(id, r);
  }

  /**
   * Refuse a change that would leave no enabled admin: nobody could manage accounts any more,
   * and the first-start admin is only made for an empty database.
   */
  private keepAnAdmin(u: User, what: string): void {
    if (u.disabled || !u.roles.includes('admin')) return;
    const others = (this.db.prepare(
      "SELECT COUNT(*) AS n FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'admin' WHERE u.disabled = 0 AND u.id <> ?",
    ).get(u.id) as { n: number }).n;
    if (others === 0) throw new UserRuleError(`${u.name} is the last enabled admin: ${what} would leave nobody to manage accounts; make another admin first`);
  }

  /** Throws UserRuleError for a change that would leave no enabled admin. */
  update(name: string, change: { roles?: Role[]; passwordHash?: string; disabled?: boolean; displayName?: string }): User | undefined {
    const ended: SessionEnd | null = change.disabled ? 'account disabled' : change.roles ? 'roles changed' : change.passwordHash ? 'password changed' : null;
    const user = this.db.transaction(() => {
      const u = this.byName(name);
      if (!u) return undefined;
      if (change.disabled) this.keepAnAdmin(u, 'disabling the account');
      if (change.roles && !change.roles.includes('admin')) this.keepAnAdmin(u, 'taking the admin role');
      if (change.roles) this.setRolesTx(u.id, change.roles);
      if (change.passwordHash) this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(change.passwordHash, u.id);
      if (change.displayName !== undefined) this.db.prepare('UPDATE users SET display_name = ? WHERE id = ?').run(change.displayName, u.id);
      if (change.disabled !== undefined) this.db.prepare('UPDATE users SET disabled = ? WHERE id = ?').run(change.disabled ? 1 : 0, u.id);
      // A changed password, lost role or disabled account ends every open session of that user.
      if (ended) this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(u.id);
      return this.toUser(this.db.prepare('SELECT * FROM users WHERE id = ?').get(u.id) as UserRow);
    })();
    if (user && ended) this.emit('sessions-ended', { userId: user.id, reason: ended });
    return user;
  }

  /** Throws UserRuleError for the last enabled admin. */
  remove(name: string): boolean {
    const removed = this.db.transaction(() => {
      const u = this.byName(name);
      if (!u) return undefined;
      this.keepAnAdmin(u, 'removing the account');
      this.db.prepare('DELETE FROM users WHERE id = ?').run(u.id); // its sessions go with it (ON DELETE CASCADE)
      return u;
    })();
    if (removed) this.emit('sessions-ended', { userId: removed.id, reason: 'account removed' });
    return removed !== undefined;
  }

  /** A new session; returns the token (only its hash is stored). */
  createSession(userId: number, ttlMs: number, ip: string | null): { token: string; expiresAt: number } {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now);
    this.db.prepare('INSERT INTO sessions (token_hash, user_id, created_at, expires_at, ip) VALUES (?, ?, ?, ?, ?)')
      .run(tokenHash(token), userId, now, now + ttlMs, ip);
    return { token, expiresAt: now + ttlMs };
  }

  /** The user behind a token, or why there is none. */
  sessionUser(token: string): { user: User; expiresAt: number } | 'expired' | 'unknown' {
    return this.sessionByHash(tokenHash(token));
  }

  /** As sessionUser, for a connection that keeps only the token's hash. */
  sessionByHash(hash: string, now = Date.now()): { user: User; expiresAt: number } | 'expired' | 'unknown' {
    const row = this.db.prepare(
      'SELECT u.*, s.expires_at AS s_expires FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?',
    ).get(hash) as (UserRow & { s_expires: number }) | undefined;
    if (!row) return 'unknown';
    if (row.s_expires < now || row.disabled) return 'expired';
    return { user: this.toUser(row), expiresAt: row.s_expires };
  }

  endSession(token: string): void {
    const hash = tokenHash(token);
    if (this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hash).changes > 0)
      this.emit('sessions-ended', { tokenHash: hash, reason: 'logged out' });
  }

  /**
   * A number that changes whenever another process (the `npm run users` tool) commits to the
   * database: SQLite's data_version, one cheap pragma, so live connections are re-checked only then.
   */
  changedElsewhere(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}
