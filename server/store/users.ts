import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { Refusal } from '../refusal.ts';
import { said, type ServerMessage } from '../wire/messages.ts';
import { type AccountView, CITY_SCOPE, ROLES, type Role, STATION_ID } from '../wire/types.ts';
import { storeAwayReason } from './away.ts';
import type { Db } from './connection.ts';
import type { Database } from './schema.ts';

/** sessions remembered for a database that is away: a station's users, many times over */
const CHECKED_SESSIONS = 5000;

// The roles and an account's fields are the wire's: the admin tab shows them as they are here.
export { ROLES, type Role };
export type User = AccountView;

/** A user with the stored hash of their password: for the login only, never sent anywhere. */
export type Account = User & { passwordHash: string };

/** What a session token stands for: its user and when it ends, or why there is none. */
export type SessionLookup = { user: User; expiresAt: number } | 'expired' | 'unknown';

/** Why sessions ended, in words a page can show its user. */
export type SessionEnd = 'logged out' | 'password changed' | 'roles changed' | 'scope changed' | 'account disabled' | 'account removed';

/** Sessions that ended in this process: one session (logout) or all of a user's. */
export type SessionsEnded = { reason: SessionEnd } & ({ tokenHash: string } | { userId: number });

/** What UserStore.update may change; a field left out stays as it is. */
export interface UserChange {
  roles?: Role[];
  passwordHash?: string;
  disabled?: boolean;
  displayName?: string;
  /** CITY_SCOPE or a station's id (scopeProblem) */
  scope?: string;
}

/**
 * A change the rules refuse (e.g. leaving the station without an enabled admin): a conflict, with
 * its message (said) for the admin tab to say in the admin's language; the tool prints the English.
 */
export class UserRuleError extends Refusal {
  constructor(why: string | ServerMessage) {
    super('conflict', why);
  }
}

/**
 * What is wrong with a scope, or null for one of the right shape: CITY_SCOPE or a station's id
 * (STATION_ID). Only the shape: which stations exist is in each node's configuration, not in the
 * database the nodes share, so the account layer cannot know it (and a station's users may be
 * made before the node that serves it is configured).
 */
export function scopeProblem(scope: string): string | null {
  if (scope === CITY_SCOPE || STATION_ID.test(scope)) return null;
  return `"${scope}" is neither "${CITY_SCOPE}" nor a station id (a lower-case letter, then lower-case letters, digits or "-", 32 characters at most)`;
}

/** Refuse a scope of the wrong shape (the API and the tool check it first, naming their field). */
function checkScope(scope: string): void {
  const problem = scopeProblem(scope);
  if (problem) throw new UserRuleError(`scope ${problem}`);
}

/** Only this is stored of a session token, and open connections are matched by it. */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * User names are compared without case, for every letter: SQLite's lower() and NOCASE fold A–Z
 * only, so "ÉMILE" and "émile" would otherwise be two accounts (and "Admin" the admin). On SQLite
 * this function does it; PostgreSQL's lower() folds every letter itself.
 */
export const userNameKey = (name: string) => name.normalize('NFC').toLowerCase();

type Q = Kysely<Database>;

/** One row per role of a user (a LEFT JOIN of user_roles): a user and their roles in one query. */
interface UserRoleRow {
  id: number;
  name: string;
  display_name: string;
  password_hash: string;
  disabled: number;
  created_at: number;
  scope: string;
  role: string | null;
}

const USER_COLUMNS = ['u.id', 'u.name', 'u.display_name', 'u.password_hash', 'u.disabled', 'u.created_at', 'u.scope', 'r.role'] as const;

/** The accounts in rows of UserRoleRow, one per `keyOf` (a user, or a session), in the rows' order. */
function fold<R extends UserRoleRow, K>(rows: R[], keyOf: (r: R) => K): Map<K, { row: R; account: Account }> {
  const out = new Map<K, { row: R; account: Account }>();
  for (const row of rows) {
    const key = keyOf(row);
    let e = out.get(key);
    if (!e) {
      const account: Account = {
        id: row.id,
        name: row.name,
        displayName: row.display_name,
        roles: [],
        disabled: row.disabled === 1,
        createdAt: row.created_at,
        scope: row.scope,
        passwordHash: row.password_hash,
      };
      e = { row, account };
      out.set(key, e);
    }
    if (row.role !== null) e.account.roles.push(row.role as Role);
  }
  for (const { account } of out.values()) account.roles.sort();
  return out;
}

const userOf = ({ passwordHash: _, ...user }: Account): User => user;

/** PostgreSQL error codes and SQLite's for a unique key already taken. */
const isUniqueViolation = (err: unknown) => {
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

/** The key of PostgreSQL's advisory lock for changes that must leave an enabled admin (any constant). */
const ADMIN_CHANGES_LOCK = 0x736b7962; // "skyb"

/** Sessions looked up in one query at most: far below either database's limit of parameters. */
const SESSIONS_PER_QUERY = 500;

/**
 * Users, their roles and their sessions. All SQL about people lives here. Emits
 * 'sessions-ended' when sessions end here, so open live connections of them can end at once, and
 * 'accounts-changed' after an account is added, changed or removed here.
 */
export class UserStore extends EventEmitter<{ 'sessions-ended': [SessionsEnded]; 'accounts-changed': [] }> {
  /** sessions checked here lately, by token hash: trusted while the database is away (sessionUser) */
  private readonly checked = new Map<string, { user: User; expiresAt: number }>();

  constructor(private readonly db: Db) {
    super();
    this.on('sessions-ended', (e) => {
      for (const [hash, s] of this.checked) if ('tokenHash' in e ? hash === e.tokenHash : s.user.id === e.userId) this.checked.delete(hash);
    });
    db.sqlite?.function('skybeat_name_key', { deterministic: true }, (name: unknown) => (typeof name === 'string' ? userNameKey(name) : name));
  }

  /** The condition "u.name is `name`, in any case". */
  private named(name: string): Expression<SqlBool> {
    if (this.db.dialect === 'sqlite') return sql<SqlBool>`skybeat_name_key(u.name) = skybeat_name_key(${name})`;
    // Names are stored in NFC (add), so the unique index on lower(name) is both the rule and the lookup.
    return sql<SqlBool>`lower(u.name) = lower(${name.normalize('NFC')})`;
  }

  /**
   * A transaction that reads, then writes. On SQLite it takes the write lock first (BEGIN
   * IMMEDIATE), waiting its turn behind another process (the users tool, the service): begun as a
   * reader, it would fail "database is locked" when another writer committed in between.
   */
  private writing<T>(fn: (trx: Q) => Promise<T>): Promise<T> {
    if (this.db.dialect !== 'sqlite') return this.db.k.transaction().execute(fn);
    return this.db.k.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        const out = await fn(conn);
        await sql`COMMIT`.execute(conn);
        return out;
      } catch (err) {
        await sql`ROLLBACK`.execute(conn);
        throw err;
      }
    });
  }

  private users(q: Q) {
    return q.selectFrom('users as u').leftJoin('user_roles as r', 'r.user_id', 'u.id').select(USER_COLUMNS);
  }

  async count(): Promise<number> {
    const r = await this.db.k.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Everyone, by name without case (the same order on both databases). */
  async list(): Promise<User[]> {
    const accounts = [...fold(await this.users(this.db.k).execute(), (r) => r.id).values()].map((e) => userOf(e.account));
    const key = (u: User) => userNameKey(u.name);
    return accounts.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id));
  }

  byId(id: number): Promise<User | undefined> {
    return this.findById(this.db.k, id);
  }

  /** The account of this name in any case ("Li.Wei" is li.wei); an exact spelling wins should two exist from before. */
  byName(name: string): Promise<Account | undefined> {
    return this.find(this.db.k, name);
  }

  private async find(q: Q, name: string): Promise<Account | undefined> {
    const found = [...fold(await this.users(q).where(this.named(name)).execute(), (r) => r.id).values()]
      .map((e) => e.account)
      .sort((a, b) => a.id - b.id);
    return found.find((a) => a.name === name) ?? found[0];
  }

  private async findById(q: Q, id: number): Promise<User | undefined> {
    const e = fold(await this.users(q).where('u.id', '=', id).execute(), (r) => r.id).values().next().value;
    return e && userOf(e.account);
  }

  /** Throws UserRuleError for a name taken (in any case) or a scope of the wrong shape (scopeProblem). */
  async add(name: string, passwordHash: string, roles: Role[], displayName = '', scope: string = CITY_SCOPE): Promise<User> {
    checkScope(scope);
    const exists = () => new UserRuleError(said('user_exists', { user: name }));
    let user: User;
    try {
      user = await this.writing(async (trx) => {
        if (await this.find(trx, name)) throw exists();
        const { id } = await trx.insertInto('users')
          .values({ name: name.normalize('NFC'), display_name: displayName, password_hash: passwordHash, created_at: Date.now(), scope })
          .returning('id')
          .executeTakeFirstOrThrow();
        await this.setRoles(trx, id, roles);
        return (await this.findById(trx, id))!;
      });
    } catch (err) {
      // Two adds of one name at once (PostgreSQL): the unique index lets only the first in.
      if (isUniqueViolation(err)) throw exists();
      throw err;
    }
    this.emit('accounts-changed');
    return user;
  }

  private async setRoles(trx: Q, id: number, roles: Role[]): Promise<void> {
    await trx.deleteFrom('user_roles').where('user_id', '=', id).execute();
    const distinct = [...new Set(roles)];
    if (distinct.length) await trx.insertInto('user_roles').values(distinct.map((role) => ({ user_id: id, role }))).execute();
  }

  /**
   * Changes that could leave no enabled admin take turns: on PostgreSQL two admins demoting each
   * other at once would each see the other still there. SQLite has one writer at a time already.
   */
  private async oneAdminChangeAtATime(trx: Q): Promise<void> {
    if (this.db.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${ADMIN_CHANGES_LOCK})`.execute(trx);
  }

  /**
   * Refuse a change that would leave no enabled admin: nobody could manage accounts any more,
   * and the first-start admin is only made for an empty database.
   */
  private async keepAnAdmin(trx: Q, u: User, what: 'user_last_admin_disable' | 'user_last_admin_role' | 'user_last_admin_remove'): Promise<void> {
    if (u.disabled || !u.roles.includes('admin')) return;
    const { n } = await trx.selectFrom('users as u')
      .innerJoin('user_roles as r', (j) => j.onRef('r.user_id', '=', 'u.id').on('r.role', '=', 'admin'))
      .where('u.disabled', '=', 0)
      .where('u.id', '<>', u.id)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(n) === 0) throw new UserRuleError(said(what, { user: u.name }));
  }

  /** Throws UserRuleError for a change that would leave no enabled admin, or a scope of the wrong shape. */
  async update(name: string, change: UserChange): Promise<User | undefined> {
    if (change.scope !== undefined) checkScope(change.scope);
    const done = await this.writing(async (trx) => {
      await this.oneAdminChangeAtATime(trx);
      const u = await this.find(trx, name);
      if (!u) return undefined;
      // A scope written again unchanged ends nothing: what the user may see is the same.
      const scopeChanged = change.scope !== undefined && change.scope !== u.scope;
      const ended: SessionEnd | null = change.disabled ?
        'account disabled'
        : change.roles ?
        'roles changed'
        : scopeChanged ?
        'scope changed'
        : change.passwordHash ?
        'password changed'
        : null;
      if (change.disabled) await this.keepAnAdmin(trx, u, 'user_last_admin_disable');
      if (change.roles && !change.roles.includes('admin')) await this.keepAnAdmin(trx, u, 'user_last_admin_role');
      if (change.roles) await this.setRoles(trx, u.id, change.roles);
      const set = {
        ...(change.passwordHash && { password_hash: change.passwordHash }),
        ...(change.displayName !== undefined && { display_name: change.displayName }),
        ...(change.disabled !== undefined && { disabled: change.disabled ? (1 as const) : (0 as const) }),
        ...(scopeChanged && { scope: change.scope }),
      };
      if (Object.keys(set).length) await trx.updateTable('users').set(set).where('id', '=', u.id).execute();
      // A changed password, role or scope, or a disabled account, ends every open session of that
      // user: their pages log in again and get only what the account may see now.
      if (ended) await trx.deleteFrom('sessions').where('user_id', '=', u.id).execute();
      return { user: (await this.findById(trx, u.id))!, ended };
    });
    if (!done) return undefined;
    this.emit('accounts-changed');
    if (done.ended) this.emit('sessions-ended', { userId: done.user.id, reason: done.ended });
    return done.user;
  }

  /** Throws UserRuleError for the last enabled admin. */
  async remove(name: string): Promise<boolean> {
    const removed = await this.writing(async (trx) => {
      await this.oneAdminChangeAtATime(trx);
      const u = await this.find(trx, name);
      if (!u) return undefined;
      await this.keepAnAdmin(trx, u, 'user_last_admin_remove');
      await trx.deleteFrom('users').where('id', '=', u.id).execute(); // its roles and sessions go with it (ON DELETE CASCADE)
      return u;
    });
    if (!removed) return false;
    this.emit('accounts-changed');
    this.emit('sessions-ended', { userId: removed.id, reason: 'account removed' });
    return true;
  }

  /** A new session; returns the token (only its hash is stored). */
  async createSession(userId: number, ttlMs: number, ip: string | null): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    // One commit for both: on SQLite each commit is a flush to disk.
    await this.db.k.transaction().execute(async (trx) => {
      await trx.deleteFrom('sessions').where('expires_at', '<', now).execute();
      await trx.insertInto('sessions').values({ token_hash: tokenHash(token), user_id: userId, created_at: now, expires_at: now + ttlMs, ip }).execute();
    });
    return { token, expiresAt: now + ttlMs };
  }

  /**
   * The user behind a token, or why there is none: one query, as every request and socket asks it.
   * While the database is away (store/away.ts), a session this service checked before is trusted
   * until it expires, so a pilot signed in keeps command of a drone in the air (return, land); one
   * never checked here is not (the caller answers 503). Ended sessions are forgotten at once.
   */
  async sessionUser(token: string): Promise<SessionLookup> {
    const hash = tokenHash(token);
    let found: SessionLookup;
    try {
      found = await this.sessionByHash(hash);
    } catch (err) {
      const known = this.checked.get(hash);
      if (storeAwayReason(err) === null || !known || known.expiresAt < Date.now()) throw err;
      return known;
    }
    this.checked.delete(hash); // re-inserted last: the oldest go first when the map is full
    if (typeof found === 'object') this.checked.set(hash, found);
    if (this.checked.size > CHECKED_SESSIONS) this.checked.delete(this.checked.keys().next().value!);
    return found;
  }

  /** As sessionUser, for a connection that keeps only the token's hash. */
  async sessionByHash(hash: string, now = Date.now()): Promise<SessionLookup> {
    return (await this.sessionsByHash([hash], now)).get(hash) ?? 'unknown';
  }

  /** Many sessions at once (the open connections' re-check): a query per SESSIONS_PER_QUERY, not per session. */
  async sessionsByHash(hashes: readonly string[], now = Date.now()): Promise<Map<string, SessionLookup>> {
    const found = new Map<string, SessionLookup>();
    for (let i = 0; i < hashes.length; i += SESSIONS_PER_QUERY) {
      const rows = await this.users(this.db.k)
        .innerJoin('sessions as s', 's.user_id', 'u.id')
        .select(['s.token_hash', 's.expires_at'])
        .where('s.token_hash', 'in', hashes.slice(i, i + SESSIONS_PER_QUERY))
        .execute();
      for (const [hash, { row, account }] of fold(rows, (r) => r.token_hash)) {
        found.set(hash, row.expires_at < now || account.disabled ? 'expired' : { user: userOf(account), expiresAt: row.expires_at });
      }
    }
    return new Map(hashes.map((h) => [h, found.get(h) ?? 'unknown']));
  }

  async endSession(token: string): Promise<void> {
    const hash = tokenHash(token);
    const r = await this.db.k.deleteFrom('sessions').where('token_hash', '=', hash).executeTakeFirst();
    if (r.numDeletedRows > 0n) this.emit('sessions-ended', { tokenHash: hash, reason: 'logged out' });
  }

  /**
   * A number that changes whenever another process (the `npm run users` tool) commits to the
   * database: SQLite's data_version, one cheap pragma, so live connections are re-checked only then.
   * PostgreSQL has no such counter (other servers and tools write to it too): null, check every time.
   */
  changedElsewhere(): number | null {
    return this.db.sqlite ? (this.db.sqlite.pragma('data_version', { simple: true }) as number) : null;
  }
}
