/**
 * Move a station's history from one store to another (`npm run store -- copy`): SQLite to
 * PostgreSQL, or back. Every table, in foreign-key order, ids kept, in pages (never a table whole).
 * Idempotent: rows already there are left alone and counted, so a second run adds nothing. A target
 * holding different rows under the same keys is refused before anything is written, rather than
 * mixing two stations. Verified afterwards by reading both again.
 */
import type { Db } from './connection.ts';
import { StoreError } from './db.ts';
import { type AnyKysely, TABLE_ORDER, type TableName, TABLES } from './copy-tables.ts';
import { checkTable, copyTable, countRows, moveSequence, type TableCheck, verifyTable } from './copy-rows.ts';
import { copyTracks, verifyTracks } from './copy-tracks.ts';

export interface TableCopy {
  table: TableName;
  /** rows in the source */
  source: number;
  added: number;
  /** source rows the target held before */
  alreadyThere: number;
}

export interface CopyReport {
  tables: TableCopy[];
  /** per table, after the copy: source rows the target lacks (none when it worked) */
  checks: TableCheck[];
  verified: boolean;
}

export interface CopyOptions {
  /** rows read a page (default 2000; fewer for tables whose rows are large) */
  page?: number;
  /** each table as it is done, for a progress report */
  onTable?: (t: TableCopy) => void;
}

const loose = (db: Db) => db.k as unknown as AnyKysely;

export async function copyStore(from: Db, to: Db, o: CopyOptions = {}): Promise<CopyReport> {
  const size = (table: TableName) => Math.min(o.page ?? 2000, TABLES[table]?.page ?? Infinity);
  // 1. Refuse a target whose rows conflict with the source's, before writing anything. A table the
  // target has no rows in cannot conflict, so copying into an empty store reads nothing twice.
  const checked = new Map<TableName, { source: number; there: number }>();
  for (const table of TABLE_ORDER) {
    const t = TABLES[table];
    if (!t || (await countRows(loose(to), table)) === 0) continue;
    checked.set(table, await checkTable(loose(from), loose(to), table, t, size(table)));
  }

  // 2. Copy, parents first.
  const tables: TableCopy[] = [];
  for (const table of TABLE_ORDER) {
    const t = TABLES[table];
    const known = checked.get(table);
    let done: { source: number; added: number };
    try {
      if (!t) done = await copyTracks(from, to, size(table));
      else if (known && known.there === known.source) done = { source: known.source, added: 0 }; // all there already: nothing to read again
      else done = await copyTable(loose(from), loose(to), table, t, size(table));
    } catch (err) {
      // The database's own words (a value it refused, a lost connection), with the table they came from.
      throw new StoreError(`copying ${table}: ${(err as Error).message}`);
    }
    const copy = { table, source: done.source, added: done.added, alreadyThere: Math.max(0, done.source - done.added) };
    tables.push(copy);
    o.onTable?.(copy);
  }
  if (to.dialect === 'postgres') {
    for (const table of TABLE_ORDER) if (TABLES[table]?.identity) await moveSequence(loose(to), table);
  }

  // 3. Verify: every source row is in the target.
  const checks: TableCheck[] = [];
  for (const table of TABLE_ORDER) {
    const t = TABLES[table];
    if (t) checks.push(await verifyTable(loose(from), loose(to), table, t, size(table)));
    else {
      const tracks = await verifyTracks(from, to);
      const missing = tracks.wrong.length;
      checks.push({
        table,
        source: tracks.source,
        target: tracks.target,
        missing,
        ...(missing && { problem: `the target holds other points than the source for ${missing} drone(s): ${tracks.wrong.slice(0, 3).join('; ')}` }),
      });
    }
  }
  return { tables, checks, verified: checks.every((c) => c.missing === 0) };
}
