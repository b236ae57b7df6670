import fs from 'node:fs';
import Database from 'better-sqlite3';
import { latestSchemaVersion } from './db.ts';

/** A database file that cannot be backed up or restored, with what is wrong and what to do. */
export class DatabaseFileError extends Error {}

/** The file name the service keeps its database under, in the data folder. */
export const DATABASE_NAME = 'skybeat.db';

/** Tables every SkyBeat schema has had since version 1: together they tell our database from another program's. */
const CORE_TABLES = ['users', 'audit', 'track_points'];
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function readHeader(file: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatabaseFileError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot be read (${(err as Error).message})`);
  }
  try {
    if (fs.fstatSync(fd).isDirectory()) throw new DatabaseFileError(`${file} is a folder, not a database file`);
    const header = Buffer.alloc(SQLITE_HEADER.length);
    fs.readSync(fd, header, 0, header.length, 0);
    return header;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Check that FILE is an intact SkyBeat database this build can run on, and return its schema
 * version. Only reads: the header first, so a file that is no database at all is called that
 * before SQLite gets to it.
 */
export function checkDatabaseFile(file: string, latest = latestSchemaVersion()): number {
  if (!readHeader(file).equals(SQLITE_HEADER)) throw new DatabaseFileError(`${file} is not a SQLite database (it does not begin with the SQLite header)`);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new DatabaseFileError(`${file} is damaged (integrity check: ${String(check)})`);
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]);
    const missing = CORE_TABLES.filter((t) => !tables.has(t));
    if (version === 0 || missing.length) {
      throw new DatabaseFileError(
        `${file} is a SQLite database but not a SkyBeat one (schema version ${version}${
          missing.length ? `; missing table${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : ''
        })`,
      );
    }
    if (version > latest) {
      throw new DatabaseFileError(
        `${file} has schema version ${version}, newer than this SkyBeat knows (${latest}): ` +
          'use it with the newer SkyBeat that wrote it, or choose a backup made by this version',
      );
    }
    return version;
  } catch (err) {
    if (err instanceof DatabaseFileError) throw err;
    throw new DatabaseFileError(`${file} is damaged or unreadable (${(err as Error).message})`);
  } finally {
    db?.close();
  }
}
