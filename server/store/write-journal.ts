/**
 * The records the service writes without waiting: audit entries, each second's track points, and
 * the states and events of runs and gotos in the air. Flight never waits on them, and none may be lost.
 *
 * On SQLite they are written at once (the file is on this machine: it does not go away).
 * On PostgreSQL each write is first appended to a journal file on local disk (synced), then applied
 * to the database in order, in batches, each batch in one transaction that also records its entries'
 * keys (journal_applied). If the database is away (restarted, unreachable), entries wait in the file
 * and are applied, in order, when it answers again; after a crash (kill -9) they are read back at the
 * next start. An entry already applied is skipped by its key: nothing is lost, nothing written twice.
 *
 * The journal holds the statements themselves (SQL and parameters, compiled by the store's Kysely),
 * so it needs no knowledge of what it writes. It is bounded: past `maxBytes` track points are dropped
 * (and counted) while audit entries are still kept; at 80 % its state says it is filling.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type CompiledQuery, CompiledQuery as Compiled, type Kysely, sql } from 'kysely';
import { type Clock, realClock } from '../clock.ts';
import { storeAwayReason } from './away.ts';
import type { SqliteFile } from './db.ts';
import type { Database } from './schema.ts';

/** audit entries and flight records (runs' and gotos' states and events) are always kept; track points may be dropped when the journal is full */
export type RecordKind = 'kept' | 'tracks';

export interface JournalState {
  /** entries waiting for the database */
  pending: number;
  /** the journal file's size, and its bound */
  bytes: number;
  maxBytes: number;
  /** over 80 % of the bound */
  filling: boolean;
  /** since when the database has refused the writes (ms since the epoch), and why */
  failingSince: number | null;
  error: string | null;
  /** track-point seconds dropped because the journal was full */
  dropped: number;
  /** entries the database refused (not for being away): set aside in the journal's .refused file */
  refused: number;
}

export interface RecordWriter {
  /** Write these statements as one, after every write before it. Returns at once: false when dropped (a full journal's track points). */
  write(queries: readonly CompiledQuery[], kind: RecordKind): boolean;
  /** Resolves when what was written before is in the database; while the database is away, after one more try. */
  drained(): Promise<void>;
  state(): JournalState;
  close(): Promise<void>;
}

/**
 * SQLite: applied at once, in one transaction (prepared statements kept by their SQL). Not while
 * the store's own transaction is open across an await on the same file, though: written then, it
 * would become part of that transaction and be lost if it rolled back. Such a write waits (in order)
 * until the transaction ends; one refused then is told to onRefused, as the journal's are.
 */
export class SqliteWriter implements RecordWriter {
  private readonly statements = new Map<string, ReturnType<SqliteFile['prepare']>>();
  private readonly waiting: (readonly CompiledQuery[])[] = [];
  private waiters: (() => void)[] = [];
  private later: NodeJS.Immediate | null = null;
  private refused = 0;

  constructor(private readonly file: SqliteFile, private readonly onRefused?: JournalOptions['onRefused']) {}

  write(queries: readonly CompiledQuery[]): boolean {
    if (this.waiting.length === 0 && !this.file.inTransaction) this.apply(queries); // a refusal goes to the caller
    else {
      this.waiting.push(queries);
      this.applyWaiting();
    }
    return true;
  }

  private apply(queries: readonly CompiledQuery[]): void {
    this.file.transaction(() => {
      for (const q of queries) this.statement(q.sql).run(q.parameters as unknown[]);
    })();
  }

  private applyWaiting(): void {
    if (this.file.inTransaction) {
      this.later ??= setImmediate(() => {
        this.later = null;
        this.applyWaiting();
      });
      return;
    }
    for (let queries = this.waiting.shift(); queries; queries = this.waiting.shift()) {
      try {
        this.apply(queries);
      } catch (err) {
        this.refused++;
        this.onRefused?.((err as Error).message, queries.map((q) => q.sql));
      }
    }
    for (const w of this.waiters.splice(0)) w();
  }

  private statement(text: string) {
    let s = this.statements.get(text);
    if (!s) {
      if (this.statements.size > 200) this.statements.clear(); // a varying statement (a batch's row count) must not grow this forever
      s = this.file.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  drained(): Promise<void> {
    return this.waiting.length === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  state(): JournalState {
    return { pending: this.waiting.length, bytes: 0, maxBytes: 0, filling: false, failingSince: null, error: null, dropped: 0, refused: this.refused };
  }

  async close(): Promise<void> {
    if (this.later) clearImmediate(this.later);
    this.later = null;
    if (this.file.open && !this.file.inTransaction) this.applyWaiting();
  }
}

interface Entry {
  key: string;
  kind: RecordKind;
  queries: { sql: string; parameters: unknown[] }[];
}

export interface JournalOptions {
  file: string;
  /** default 256 MB: about a day of 300 drones' track points */
  maxBytes?: number;
  /** entries applied in one transaction */
  batch?: number;
  /** the retries' time (a test's fake clock) */
  clock?: Clock;
  /** called when `filling` or `failingSince` changes (for the health page and the log) */
  onChange?: (s: JournalState) => void;
  /** called for an entry the database refused (set aside, not retried): the reason and its SQL */
  onRefused?: (reason: string, statements: string[]) => void;
}

/** waits between tries while the database is away: soon at first, then every 5 s */
const RETRY_MS = [250, 500, 1000, 2000, 5000];
/** journal_applied keys older than this are forgotten: a journal is replayed at the next start, long before */
const KEEP_KEYS_MS = 7 * 24 * 3600_000;

/** PostgreSQL: journal on local disk, applied in order (see the top of this file). */
export class PostgresJournal implements RecordWriter {
  private readonly queue: Entry[] = [];
  private readonly fd: number;
  private bytes = 0;
  private dropped = 0;
  private failingSince: number | null = null;
  private error: string | null = null;
  private failures = 0;
  private running: Promise<void> | null = null;
  private retry: unknown = null;
  private closed = false;
  private waiters: (() => void)[] = [];
  private readonly maxBytes: number;
  private readonly batch: number;
  private readonly timers: Clock;
  /** what report() last told: [filling, failing since, dropping]; it starts as all is well, said by nobody */
  private lastReported = JSON.stringify([false, null, false]);
  private keysPrunedAt = 0;
  /** entries still to be tried one at a time (after a batch was refused) */
  private singly = 0;
  private refused = 0;

  constructor(private readonly k: Kysely<Database>, private readonly o: JournalOptions) {
    this.maxBytes = o.maxBytes ?? 256 * 1024 * 1024;
    this.batch = o.batch ?? 200;
    this.timers = o.clock ?? realClock;
    fs.mkdirSync(path.dirname(o.file), { recursive: true });
    this.queue.push(...readJournal(o.file));
    this.fd = fs.openSync(o.file, 'a');
    this.bytes = fs.fstatSync(this.fd).size;
    if (this.queue.length) this.kick();
  }

  write(queries: readonly CompiledQuery[], kind: RecordKind): boolean {
    if (this.closed) throw new Error('the store is closed');
    const entry: Entry = { key: crypto.randomUUID(), kind, queries: queries.map((q) => ({ sql: q.sql, parameters: [...q.parameters] })) };
    const line = `${JSON.stringify(entry)}\n`;
    if (kind === 'tracks' && this.bytes + line.length > this.maxBytes) {
      this.dropped++;
      this.report();
      return false;
    }
    fs.writeSync(this.fd, line);
    fs.fdatasyncSync(this.fd); // on disk before the caller goes on: a kill -9 now loses nothing
    this.bytes += Buffer.byteLength(line);
    this.queue.push(entry);
    this.report();
    this.kick();
    return true;
  }

  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    if (this.failingSince !== null) {
      // A reader is about to ask the database: if it answers again, what waits goes first (not at
      // the next timed try); if not, the reader goes on at once and meets the same.
      return this.flush().then(() => (this.failingSince === null ? this.drained() : undefined));
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  state(): JournalState {
    return {
      pending: this.queue.length,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      filling: this.bytes >= 0.8 * this.maxBytes,
      failingSince: this.failingSince,
      error: this.error,
      dropped: this.dropped,
      refused: this.refused,
    };
  }

  /** Try what is waiting now (a test's clock, or the service's close). */
  async flush(): Promise<void> {
    if (this.retry !== null) {
      this.timers.clearTimeout(this.retry);
      this.retry = null;
    }
    this.kick();
    while (this.running) await this.running; // a run that ends with more waiting starts the next
  }

  /** Apply what can be applied; what cannot stays in the file for the next start. */
  async close(): Promise<void> {
    await this.flush().catch(() => {});
    this.closed = true;
    if (this.retry !== null) this.timers.clearTimeout(this.retry);
    fs.closeSync(this.fd);
  }

  private kick(): void {
    if (this.running || this.retry !== null || this.queue.length === 0) return;
    this.running = this.apply().finally(() => {
      this.running = null;
      if (this.queue.length && this.failingSince === null) this.kick();
    });
  }

  private async apply(): Promise<void> {
    // After a batch was refused for what it holds (not for a database away), entries go one at a
    // time until the one refused is found and set aside.
    const entries = this.queue.slice(0, this.singly > 0 ? 1 : this.batch);
    const now = this.timers.now();
    try {
      await this.k.transaction().execute(async (trx) => {
        const fresh = new Set(
          (await trx.insertInto('journal_applied').values(entries.map((e) => ({ key: e.key, at: now }))).onConflict((oc) => oc.doNothing()).returning('key')
            .execute())
            .map((r) => r.key),
        );
        for (const e of entries) {
          if (!fresh.has(e.key)) continue; // applied before a crash or a lost answer: not again
          for (const q of e.queries) await trx.executeQuery(Compiled.raw(q.sql, q.parameters));
        }
        if (now - this.keysPrunedAt > 3600_000) {
          await sql`DELETE FROM journal_applied WHERE at < ${now - KEEP_KEYS_MS}`.execute(trx);
          this.keysPrunedAt = now;
        }
      });
    } catch (err) {
      if (storeAwayReason(err) === null) {
        this.answering(); // it answered: with a refusal
        this.refusedEntries(entries, err as Error);
        return;
      }
      this.failures++;
      this.failingSince ??= now;
      this.error = (err as Error).message || String(err);
      this.wake(); // readers do not wait on a database that is away
      this.report();
      this.retry = this.timers.setTimeout(() => {
        this.retry = null;
        this.kick();
      }, RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)]!);
      return;
    }
    this.answering();
    if (this.singly > 0) this.singly--;
    this.applied(entries.length);
  }

  private answering(): void {
    this.failures = 0;
    this.failingSince = null;
    this.error = null;
  }

  /**
   * The database answered, and refused a statement (a bug, or a row another server removed): the
   * entry is not tried forever, holding up everything behind it. In a batch, the batch is tried
   * again one entry at a time; a single entry refused is set aside in the `.refused` file beside
   * the journal, with the reason, and reported (onRefused: the service logs it as an error).
   */
  private refusedEntries(entries: Entry[], err: Error): void {
    if (entries.length > 1) {
      this.singly = entries.length;
      return;
    }
    fs.appendFileSync(`${this.o.file}.refused`, `${JSON.stringify({ at: this.timers.now(), reason: err.message, entry: entries[0] })}\n`);
    this.refused++;
    this.o.onRefused?.(err.message, entries[0]!.queries.map((q) => q.sql));
    if (this.singly > 0) this.singly--;
    this.applied(1);
  }

  /** The first `n` entries are done with: out of the queue, and the file emptied once nothing waits. */
  private applied(n: number): void {
    this.queue.splice(0, n);
    if (this.queue.length === 0) {
      // Everything in the file is in the database: start it afresh (nothing can be appended in between: write() is synchronous).
      fs.ftruncateSync(this.fd, 0);
      this.bytes = 0;
      this.wake();
    }
    this.report();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private report(): void {
    const s = this.state();
    const now = JSON.stringify([s.filling, s.failingSince, s.dropped > 0]);
    if (now === this.lastReported) return;
    this.lastReported = now;
    this.o.onChange?.(s);
  }
}

/** The entries a journal file holds; a last line cut short by a crash mid-write was never acknowledged, and is dropped. */
function readJournal(file: string): Entry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: Entry[] = [];
  let whole = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as Entry);
      whole += Buffer.byteLength(line) + 1;
    } catch {
      break;
    }
  }
  if (whole < Buffer.byteLength(text)) fs.truncateSync(file, whole);
  return entries;
}
