import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS_DIR } from '../paths.ts';

/** An open SQLite file (better-sqlite3): what the SQLite side of the store and its tools hold. */
export type SqliteFile = Database.Database;

export class StoreError extends Error {}

/** The numbered migrations of one database kind: SQLite's in migrations/, PostgreSQL's in migrations/postgres/. */
export function migrations(dir = MIGRATIONS_DIR): { version: number; file: string }[] {
  return fs.readdirSync(dir)
    .filter((f) => /^\d+-.+\.sql$/.test(f))
    .map((f) => ({ version: Number.parseInt(f, 10), file: path.join(dir, f) }))
    .sort((a, b) => a.version - b.version);
}

/**
 * Open (or create) the database file and bring its schema up to date. Refuses, with a message
 * saying what to do, a file that is damaged, not a database, or from a newer SkyBeat:
 * never "repair" a police record by starting afresh.
 */
/** The schema version this build's migrations reach. */
export function latestSchemaVersion(): number {
  return migrations().at(-1)?.version ?? 0;
}

export function openDatabase(file: string): SqliteFile {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: SqliteFile | undefined;
  try {
    db = new Database(file);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new StoreError(`integrity check failed: ${String(check)}`);
  } catch (err) {
    db?.close();
    throw new StoreError(
      `${file} is damaged or is not a SkyBeat database (${(err as Error).message}). ` +
        'SkyBeat will not overwrite it: move it aside or restore a backup, then start again.',
    );
  }
  // Checked before anything writes to the file (even switching the journal mode does).
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = latestSchemaVersion();
  if (current > latest) {
    db.close();
    throw new StoreError(
      `${file} has schema version ${current}, newer than this SkyBeat knows (${latest}). ` +
        'Run the newer SkyBeat that wrote it, or restore a backup made for this version.',
    );
  }
  // WAL: readers never block the telemetry writer. FULL: a committed alert or audit entry
  // survives a power cut too, not only a crash of the process.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, current);
  return db;
}

function migrate(db: SqliteFile, current: number): void {
  for (const m of migrations()) {
    if (m.version <= current) continue;
    const sql = fs.readFileSync(m.file, 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
