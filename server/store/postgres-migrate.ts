/**
 * PostgreSQL's migrations, numbered like SQLite's and applied the same way: each in a transaction
 * with the version it reaches, none twice, and a database newer than this build refused untouched.
 * SQLite keeps its version in PRAGMA user_version; here a one-row table does. Several servers may
 * start at once against one database (a city): a transaction-scoped advisory lock makes them take
 * turns, and each sees what the one before it applied.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { MIGRATIONS_DIR } from '../paths.ts';
import { migrations, StoreError } from './db.ts';
import type { Database } from './schema.ts';

export const POSTGRES_MIGRATIONS_DIR = path.join(MIGRATIONS_DIR, 'postgres');
/** any constant: the advisory lock SkyBeat's migrations take turns on */
const MIGRATION_LOCK = 0x5b_be_a7;

export async function migratePostgres(k: Kysely<Database>, where: string): Promise<void> {
  const steps = migrations(POSTGRES_MIGRATIONS_DIR);
  const latest = steps.at(-1)?.version ?? 0;
  await k.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    const has = async (table: string) =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ${table}`
        .execute(trx))
        .rows[0]!.n > 0;
    if (!(await has('skybeat_schema'))) {
      if (await has('users')) throw new StoreError(`${where} holds tables that are not SkyBeat's (no skybeat_schema table): SkyBeat will not write into it`);
      await sql`CREATE TABLE skybeat_schema (version INTEGER NOT NULL)`.execute(trx);
      await sql`INSERT INTO skybeat_schema (version) VALUES (0)`.execute(trx);
    }
    const current = (await sql<{ version: number }>`SELECT version FROM skybeat_schema`.execute(trx)).rows[0]!.version;
    if (current > latest) {
      throw new StoreError(
        `${where} has schema version ${current}, newer than this SkyBeat knows (${latest}). Run the newer SkyBeat that wrote it, or restore a backup made for this version.`,
      );
    }
    for (const m of steps) {
      if (m.version <= current) continue;
      await sql.raw(fs.readFileSync(m.file, 'utf8')).execute(trx);
      await sql`UPDATE skybeat_schema SET version = ${m.version}`.execute(trx);
    }
  });
}
