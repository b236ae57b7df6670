import { userNameKey, type UserStore } from '../store/users.ts';

/** How often a change made elsewhere (the users tool, another server) is looked for. */
export const OFFICER_ACCOUNTS_POLL_MS = 500;

/**
 * The accounts that may be sent jobs now — enabled, with the role officer — kept in memory:
 * dispatch chooses officers as positions and answers arrive, without waiting, and goes on choosing
 * while the database is away. Read again after every account change made in this process, and
 * when another process or server has changed the database (looked for every
 * OFFICER_ACCOUNTS_POLL_MS); a read that fails keeps the last list and is tried at the next poll.
 */
export class OfficerAccounts {
  /** each officer's scope (CITY_SCOPE or a station's id), by userNameKey */
  private scopes = new Map<string, string>();
  /** the database's change counter when the list was read (SQLite); null: unknown, read at every poll */
  private version: number | null = null;
  private reads: Promise<void> = Promise.resolve();
  private pending = 0;
  private failing = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onChanged = () => void this.refresh();

  private constructor(private readonly users: UserStore, private readonly onError: (err: Error) => void, pollMs: number) {
    users.on('accounts-changed', this.onChanged);
    this.timer = setInterval(() => {
      if (this.pending > 0) return;
      const v = users.changedElsewhere();
      if (v === null || v !== this.version) void this.refresh();
    }, pollMs);
  }

  /** The list read once; `onError` hears of a failed read (once until one succeeds again). */
  static async open(users: UserStore, onError: (err: Error) => void, pollMs = OFFICER_ACCOUNTS_POLL_MS): Promise<OfficerAccounts> {
    const accounts = new OfficerAccounts(users, onError, pollMs);
    await accounts.refresh();
    return accounts;
  }

  mayServe(name: string): boolean {
    return this.scopes.has(userNameKey(name));
  }

  /**
   * The officer's scope (CITY_SCOPE or a station's id) as last read, for dispatch to choose among
   * a station's officers; undefined for a name that may not be sent jobs (mayServe).
   */
  scopeOf(name: string): string | undefined {
    return this.scopes.get(userNameKey(name));
  }

  /**
   * Resolves when the list is as the database has it now: read again when it may have changed
   * elsewhere (always on PostgreSQL), else once the reads for changes made here are done. For a
   * caller that can wait (choosing officers for an incident) and must not use a list a poll old.
   */
  current(): Promise<void> {
    const v = this.users.changedElsewhere();
    return v === null || v !== this.version ? this.refresh() : this.reads;
  }

  /** Reads the list again after any read under way (which may have begun before the change); never rejects. */
  refresh(): Promise<void> {
    this.pending++;
    this.reads = this.reads.then(() => this.read()).finally(() => this.pending--);
    return this.reads;
  }

  private async read(): Promise<void> {
    // The counter before the list: a change committed while the list is read is read at the next poll.
    const version = this.users.changedElsewhere();
    try {
      const users = await this.users.list();
      this.scopes = new Map(users.filter((u) => !u.disabled && u.roles.includes('officer')).map((u) => [userNameKey(u.name), u.scope]));
      this.version = version;
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.onError(err as Error);
      this.failing = true;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.users.off('accounts-changed', this.onChanged);
  }
}
