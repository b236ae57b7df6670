import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DatabaseFileError, checkDatabaseFile } from './database-file.ts';

/** sqlite3_backup_step's largest page count: the whole database in one step. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copy a database with SQLite's online backup API. Every page goes in one step, inside one read
 * transaction: a consistent snapshot, and one that a busy writer cannot restart (copying a few
 * pages at a time starts over whenever another connection writes, and the service writes tracks
 * every second). In WAL mode the service goes on writing meanwhile. The copy is written beside
 * TARGET first and renamed into place when whole, so an interrupted copy never passes for a backup.
 */
export async function copyDatabase(source: Database.Database, target: string): Promise<void> {
  const partial = `${target}.partial-${process.pid}`;
  try {
    await source.backup(partial, { progress: () => ALL_PAGES });
    fs.renameSync(partial, target);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

export interface BackupResult {
  schemaVersion: number;
  bytes: number;
}

/**
 * Back up the live database DBFILE to TARGET, while the service runs or not. Never overwrites a
 * file; the backup is checked as a restore would check it, and is one self-contained file.
 */
export async function backupDatabase(dbFile: string, target: string): Promise<BackupResult> {
  if (!fs.existsSync(dbFile)) throw new DatabaseFileError(`no database at ${dbFile}: is that the service's data folder?`);
  if (fs.existsSync(target)) throw new DatabaseFileError(`${target} already exists: a backup never overwrites a file; give a new name`);
  const dir = path.dirname(path.resolve(target));
  if (!fs.existsSync(dir)) throw new DatabaseFileError(`${target}: the folder ${dir} does not exist`);

  const source = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    await copyDatabase(source, target);
  } catch (err) {
    throw new DatabaseFileError(`backup of ${dbFile} to ${target} failed: ${(err as Error).message}`);
  } finally {
    source.close();
  }
  try {
    // The copy carries the live file's WAL flag; a backup should need no -wal file beside it.
    const copy = new Database(target);
    copy.pragma('journal_mode = DELETE');
    copy.close();
    return { schemaVersion: checkDatabaseFile(target), bytes: fs.statSync(target).size };
  } catch (err) {
    fs.rmSync(target, { force: true });
    throw err;
  }
}
