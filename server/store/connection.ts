/**
 * Where the store lives, and the one handle every store class queries through (Kysely), on SQLite
 * (the default: a file in the data folder) or PostgreSQL (a city's shared database).
 *
 *   sqlite:PATH                       a file; relative paths are from the working folder
 *   postgres://user@host:port/db      PostgreSQL; ?schema=NAME keeps SkyBeat's tables in that
 *                                     schema (made if missing), so one database can hold several
 *                                     (the tests use a schema each)
 */
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { DATABASE_NAME } from './database-file.ts';
import { openDatabase, StoreError, type SqliteFile } from './db.ts';
import { migratePostgres } from './postgres-migrate.ts';
import type { Database } from './schema.ts';

export type StoreLocation = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string; schema: string };

export interface Db {
  /** the query builder, for both databases */
  k: Kysely<Database>;
  dialect: StoreLocation['dialect'];
  /** for messages and logs: the file, or the URL without its password */
  where: string;
  /** the SQLite file's own handle (backups, integrity checks); absent on PostgreSQL */
  sqlite?: SqliteFile;
  close(): Promise<void>;
}

/** The default store: the SQLite file in the data folder. */
export function defaultStoreUrl(dataDir: string): string {
  return `sqlite:${path.join(dataDir, DATABASE_NAME)}`;
}

/** Read a store URL, refusing what it cannot be with what was wrong. */
export function parseStoreUrl(url: string): StoreLocation {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new StoreError(`${url}: no file after "sqlite:" (e.g. sqlite:data/skybeat.db)`);
    return { dialect: 'sqlite', file };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new StoreError(`${redact(url)}: not a valid PostgreSQL URL (postgres://user@host:5432/database)`);
    }
    const schema = parsed.searchParams.get('schema') ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new StoreError(`${redact(url)}: schema "${schema}" must be lower-case letters, digits and _`);
    return { dialect: 'postgres', url, schema };
  }
  throw new StoreError(`${redact(url)}: a store is sqlite:PATH or postgres://… (e.g. postgres://skybeat@127.0.0.1:5432/skybeat)`);
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

/** Open the store at `url`, bringing its schema up to date (refusing one newer than this build). */
export async function openDb(url: string): Promise<Db> {
  const at = parseStoreUrl(url);
  if (at.dialect === 'sqlite') {
    const file = openDatabase(at.file);
    const k = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
    const close = async () => {
      await k.destroy();
      if (file.open) file.close(); // Kysely's destroy leaves a file it never queried open
    };
    return { k, dialect: 'sqlite', where: at.file, sqlite: file, close };
  }
  const where = redact(at.url);
  const connectionString = withoutSchema(at.url);
  // First make the schema, on a connection of its own: the pool's connections start inside it.
  if (at.schema !== 'public') await ensureSchema(connectionString, at.schema, where);
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    connectionTimeoutMillis: 5000,
    options: `-c search_path=${at.schema}`,
    // BIGINT (times in ms, ids, counts) as numbers, as SQLite gives them: all stay below 2^53.
    types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) },
  } as pg.PoolConfig);
  // A connection the server closes (a restart, a cut) must not take the service down with it:
  // the next query opens a new one, or fails and is handled where it was asked.
  pool.on('error', () => {});
  // The same for a connection in use (inside a transaction, between two statements): pg emits its
  // loss as an 'error' event, which with no listener would end the process; the statement that
  // needed it fails instead, and is answered or retried where it was asked.
  pool.on('connect', (client) => client.on('error', () => {}));
  const k = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migratePostgres(k, where);
  } catch (err) {
    await k.destroy();
    throw err instanceof StoreError ? err : new StoreError(`${where}: ${(err as Error).message}`);
  }
  return { k, dialect: 'postgres', where, close: async () => k.destroy() };
}

function withoutSchema(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('schema');
  return u.toString();
}

async function ensureSchema(connectionString: string, schema: string, where: string): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (err) {
    // Servers starting together race to make it; IF NOT EXISTS does not stop the loser failing on the catalogue's key.
    const code = (err as { code?: string }).code;
    if (code === '23505' || code === '42P06') return;
    throw new StoreError(`${where}: cannot open (${(err as Error).message})`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drop a schema and all it holds (the tests' schemas, the benchmark's); never `public`. */
export async function dropSchema(url: string): Promise<void> {
  const at = parseStoreUrl(url);
  if (at.dialect !== 'postgres' || at.schema === 'public') throw new StoreError(`${redact(url)}: only a named PostgreSQL schema can be dropped`);
  const client = new pg.Client({ connectionString: withoutSchema(at.url), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${at.schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export { sql };
