/**
 * The store on PostgreSQL: its migrations reach the same version, tables and columns as SQLite's;
 * a database newer than this build, or one holding another program's tables, is refused untouched;
 * several servers starting at once migrate once. Against this machine's PostgreSQL, a schema each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../server/store/db.ts';
import { dropSchema, openDb, parseStoreUrl, redact } from '../../server/store/connection.ts';
import { POSTGRES_MIGRATIONS_DIR } from '../../server/store/postgres-migrate.ts';
import { postgresAnswers, POSTGRES_URL, postgresSchemaUrl } from '../helpers/backends.ts';

const schemas: string[] = [];
const fresh = () => {
  const u = postgresSchemaUrl();
  schemas.push(u);
  return u;
};
afterAll(async () => {
  for (const u of schemas) await dropSchema(u).catch(() => {});
});

async function columns(url: string): Promise<Record<string, string[]>> {
  const db = await openDb(url);
  try {
    type Row = { t: string; c: string };
    const rows = db.dialect === 'sqlite' ?
      db.sqlite!.prepare(
        `SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`,
      ).all() as Row[]
      : (await sql<Row>`SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema()`.execute(db.k)).rows;
    const out: Record<string, string[]> = {};
    for (const r of rows) {
      if (/^track_points_\d{8}$/.test(r.t) || r.t === 'skybeat_schema') continue;
      (out[r.t] ??= []).push(r.c);
    }
    for (const t of Object.keys(out)) out[t]!.sort();
    return out;
  } finally {
    await db.close();
  }
}

describe('store URLs', () => {
  it('reads sqlite: and postgres:// URLs, and refuses anything else saying what a store URL is', () => {
    expect(parseStoreUrl('sqlite:data/skybeat.db')).toEqual({ dialect: 'sqlite', file: 'data/skybeat.db' });
    expect(parseStoreUrl('sqlite:///var/lib/skybeat/skybeat.db')).toEqual({ dialect: 'sqlite', file: '/var/lib/skybeat/skybeat.db' });
    expect(parseStoreUrl('postgres://u:pw@db:5432/city?schema=hf')).toMatchObject({ dialect: 'postgres', schema: 'hf' });
    expect(parseStoreUrl('postgresql://db/city')).toMatchObject({ dialect: 'postgres', schema: 'public' });
    expect(() => parseStoreUrl('mysql://db/x')).toThrow(/a store is sqlite:PATH or postgres:\/\//);
    expect(() => parseStoreUrl('sqlite:')).toThrow(/no file after "sqlite:"/);
    expect(() => parseStoreUrl('postgres://db/x?schema=Drop;Table')).toThrow(/schema "Drop;Table" must be lower-case/);
    // A password never shows in a message.
    expect(redact('postgres://skybeat:s3cret@db:5432/city')).toBe('postgres://skybeat:***@db:5432/city');
    expect(() => parseStoreUrl('redis://skybeat:s3cret@db')).toThrow(/^(?!.*s3cret)/);
  });

  it('both migration folders reach the same version: a change to the schema is made on both', () => {
    const sqlite = migrations().at(-1)!.version;
    expect(migrations(POSTGRES_MIGRATIONS_DIR).at(-1)!.version).toBe(sqlite);
  });
});

describe.skipIf(!postgresAnswers)(`the store on PostgreSQL${postgresAnswers ? '' : ` [skipped: PostgreSQL does not answer at ${POSTGRES_URL}]`}`, () => {
  it('has the same tables and columns as on SQLite', async () => {
    const sqliteUrl = `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-cols-')), 'skybeat.db')}`;
    expect(await columns(fresh())).toEqual(await columns(sqliteUrl));
  });

  it('migrates once when several servers start at once, and applies nothing twice when opened again', async () => {
    const url = fresh();
    const dbs = await Promise.all([openDb(url), openDb(url), openDb(url)]);
    for (const db of dbs) await db.close();
    const again = await openDb(url);
    const { rows } = await sql<{ version: number }>`SELECT version FROM skybeat_schema`.execute(again.k);
    expect(rows).toEqual([{ version: migrations().at(-1)!.version }]);
    await again.close();
  });

  it('refuses a database newer than this SkyBeat, and one holding tables that are not SkyBeat’s, changing neither', async () => {
    const url = fresh();
    const newer = await openDb(url);
    await sql`UPDATE skybeat_schema SET version = 99`.execute(newer.k);
    await newer.close();
    await expect(openDb(url)).rejects.toThrow(/schema version 99, newer than this SkyBeat knows \(\d+\)/);

    const foreign = fresh();
    const schema = (parseStoreUrl(foreign) as { schema: string }).schema;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.users (x int)`);
    await expect(openDb(foreign)).rejects.toThrow(/holds tables that are not SkyBeat's/);
    const left = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
    expect(left.rows).toEqual([{ table_name: 'users' }]);
    await client.end();
  });

  it('says which server did not answer, without its password', async () => {
    await expect(openDb('postgres://skybeat:s3cret@127.0.0.1:1/city?schema=x')).rejects.toThrow(
      /postgres:\/\/skybeat:\*\*\*@127\.0\.0\.1:1\/city.*(ECONNREFUSED|connect)/,
    );
    await expect(openDb('postgres://skybeat:s3cret@127.0.0.1:1/city?schema=x')).rejects.not.toThrow(/s3cret/);
  });
});
