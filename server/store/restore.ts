import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { copyDatabase } from './backup.ts';
import { DatabaseFileError, checkDatabaseFile } from './database-file.ts';
import { openDatabase } from './db.ts';

export interface RestoreResult {
  /** schema version of the backup as it was (the restored database is brought up to this build's) */
  schemaVersion: number;
  /** where the database it replaced now is; null when there was none */
  keptAs: string | null;
}

/**
 * Make sure no one has DBFILE open, and fold its WAL into the main file so the copy kept aside
 * is whole. An open SQLite connection in WAL mode holds a shared lock on the database file for as
 * long as it is open (SQLite itself relies on that to know whether it is the last one out), so an
 * exclusive lock is granted only when no other connection has it: not the service, not
 * `npm run users`, not a second container on the same volume. The kernel drops a dead process's
 * locks, so a crashed service does not block a restore as a stale pid file would, and a service
 * on another port or under another name is still seen, as a port check would not.
 */
function takeOffline(dbFile: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(dbFile, { fileMustExist: true, timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (err) {
    db?.close();
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_BUSY') {
      throw new DatabaseFileError(`${dbFile} is in use: stop the SkyBeat service (and any running \`npm run users\`) first, then restore`);
    }
    // Damaged, or no database at all: no service runs on such a file (it refuses to start),
    // and it is kept aside as it is, with any -wal beside it.
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return;
    throw new DatabaseFileError(`${dbFile}: cannot tell whether it is in use (${(err as Error).message}); nothing was changed`);
  }
  db.close();
}

/** The database file and its WAL go aside together, under a name SQLite pairs up again. */
function keepAside(dbFile: string, now: Date): string {
  const kept = `${dbFile}.before-restore-${now.toISOString().replace(/:/g, '')}`;
  if (fs.existsSync(kept)) throw new DatabaseFileError(`${kept} already exists: try again in a moment`);
  fs.renameSync(dbFile, kept);
  if (fs.existsSync(`${dbFile}-wal`)) fs.renameSync(`${dbFile}-wal`, `${kept}-wal`);
  // The shared-memory index only caches the WAL's contents, and no one has the database open.
  fs.rmSync(`${dbFile}-shm`, { force: true });
  return kept;
}

/**
 * Put the backup SOURCE in place of the database DBFILE. Refuses while anyone has the database
 * open, and a source that is not an intact SkyBeat database of this version or older; the
 * database it replaces is renamed, never deleted.
 */
export async function restoreDatabase(dbFile: string, source: string, now = new Date()): Promise<RestoreResult> {
  const schemaVersion = checkDatabaseFile(source);
  fs.mkdirSync(path.dirname(path.resolve(dbFile)), { recursive: true });
  // Prepared beside the database (same file system, so the final rename is atomic). Copied with
  // the backup API rather than byte for byte, so a source in WAL mode brings its -wal contents.
  const incoming = `${dbFile}.restoring-${process.pid}`;
  const src = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await copyDatabase(src, incoming);
  } finally {
    src.close();
  }
  try {
    // Brings an older backup up to this build's schema, as the service would at its start, and
    // leaves it one file: renamed on its own, a -wal of its own could not follow it.
    const db = openDatabase(incoming);
    db.pragma('journal_mode = DELETE');
    db.close();
    let keptAs: string | null = null;
    if (fs.existsSync(dbFile)) {
      takeOffline(dbFile);
      keptAs = keepAside(dbFile, now);
    }
    fs.renameSync(incoming, dbFile);
    return { schemaVersion, keptAs };
  } finally {
    for (const f of [incoming, `${incoming}-wal`, `${incoming}-shm`]) fs.rmSync(f, { force: true });
  }
}
