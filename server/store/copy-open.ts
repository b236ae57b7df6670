/**
 * Open the two ends of a store copy (copy.ts), refusing what would go wrong quietly: the same store
 * at both ends, and a source that is not there (opening a store creates it: a mistyped source would
 * become an empty one, and the copy would report nothing to do). Both are brought to this build's
 * schema as they open; one newer than this build is refused (connection.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { type Db, openDb, parseStoreUrl, redact, type StoreLocation } from './connection.ts';
import { checkDatabaseFile, DatabaseFileError } from './database-file.ts';
import { StoreError } from './db.ts';

const realPath = (file: string) => (fs.existsSync(file) ? fs.realpathSync(file) : path.resolve(file));

/** Where a URL points, for comparing two: the file, or the server, database and schema. */
function place(at: StoreLocation): string {
  if (at.dialect === 'sqlite') return `sqlite:${realPath(at.file)}`;
  const u = new URL(at.url);
  return `postgres://${u.hostname.toLowerCase()}:${u.port || 5432}${u.pathname}#${at.schema}`;
}

/** A SQLite file must be a SkyBeat store (read only, before SQLite writes anything to it). */
function checkFile(file: string): void {
  try {
    checkDatabaseFile(file);
  } catch (err) {
    if (err instanceof DatabaseFileError) throw new StoreError(err.message);
    throw err;
  }
}

/** The PostgreSQL schema holds a SkyBeat store: asked on a connection of its own, so nothing is created. */
async function checkSchema(at: Extract<StoreLocation, { dialect: 'postgres' }>): Promise<void> {
  const u = new URL(at.url);
  u.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 5000 });
  let found: boolean;
  try {
    await client.connect();
    const r = await client.query<{ found: boolean }>("SELECT to_regclass(quote_ident($1) || '.skybeat_schema') IS NOT NULL AS found", [at.schema]);
    found = r.rows[0]!.found;
  } catch (err) {
    throw new StoreError(`${redact(at.url)}: cannot open (${(err as Error).message})`);
  } finally {
    await client.end().catch(() => {});
  }
  if (!found) throw new StoreError(`${redact(at.url)}: schema "${at.schema}" holds no SkyBeat store (no skybeat_schema table): nothing to copy from`);
}

/** The PostgreSQL server, database and schema a connection is in, whatever name the URL gave the host. */
async function whereIs(db: Db): Promise<string> {
  const r = await sql<{ w: string }>`SELECT concat_ws(' ', pg_postmaster_start_time(), current_setting('port'), current_database(), current_schema()) AS w`
    .execute(db.k);
  return r.rows[0]!.w;
}

export async function openCopyEnds(fromUrl: string, toUrl: string): Promise<{ from: Db; to: Db }> {
  const a = parseStoreUrl(fromUrl);
  const b = parseStoreUrl(toUrl);
  const same = () => new StoreError(`--from and --to are the same store (${redact(toUrl)}): a copy needs two different ones`);
  if (place(a) === place(b)) throw same();
  if (a.dialect === 'sqlite') {
    if (!fs.existsSync(a.file)) throw new StoreError(`${a.file}: no such file (the source must be an existing SkyBeat database; none is created)`);
    checkFile(a.file);
  } else await checkSchema(a);
  // An existing target file must be SkyBeat's too (an empty or missing one becomes a new store).
  if (b.dialect === 'sqlite' && fs.existsSync(b.file) && fs.statSync(b.file).size > 0) checkFile(b.file);

  const from = await openDb(fromUrl);
  let to: Db | undefined;
  try {
    to = await openDb(toUrl);
    if (from.dialect === 'postgres' && to.dialect === 'postgres' && (await whereIs(from)) === (await whereIs(to))) throw same();
    return { from, to };
  } catch (err) {
    await to?.close();
    await from.close();
    throw err;
  }
}
