/**
 * Both stores, for the tests that must hold on each: SQLite (a fresh file) and PostgreSQL (a fresh
 * schema in this machine's database, dropped afterwards). Where PostgreSQL does not answer, its runs
 * are skipped and say so in their name; under CI it must answer (the suite fails instead).
 *
 *   describeEachBackend('alerts', (backend) => {
 *     it('…', async () => { const store = await backend.open(); … });   // closed and dropped after the describe
 *   });
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { dropSchema } from '../../server/store/connection.ts';
import { openStore, type Store } from '../../server/store/index.ts';

/** This machine's PostgreSQL (trust authentication, database `test`); another with SKYBEAT_TEST_POSTGRES. */
export const POSTGRES_URL = process.env.SKYBEAT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export const postgresAnswers = await answers(POSTGRES_URL);
if (!postgresAnswers && process.env.CI) {
  throw new Error(`CI: PostgreSQL must answer at ${POSTGRES_URL} (the store tests run on both databases there)`);
}

export type BackendName = 'SQLite' | 'PostgreSQL';

export interface Backend {
  name: BackendName;
  /** a store URL of its own: a new SQLite file, or a new PostgreSQL schema */
  url(): string;
  /** a new, empty store; closed (and its schema dropped) after the describe */
  open(dataDir?: string): Promise<Store>;
}

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-store-'));

/** A PostgreSQL URL with a schema no other test uses. */
export function postgresSchemaUrl(): string {
  const u = new URL(POSTGRES_URL);
  u.searchParams.set('schema', `t_${crypto.randomBytes(6).toString('hex')}`);
  return u.toString();
}

function backend(name: BackendName): Backend & { cleanup(): Promise<void> } {
  const opened: Store[] = [];
  const schemas: string[] = [];
  const url = () => {
    if (name === 'SQLite') return `sqlite:${path.join(tmpDir(), 'skybeat.db')}`;
    const u = postgresSchemaUrl();
    schemas.push(u);
    return u;
  };
  return {
    name,
    url,
    open: async (dataDir = tmpDir()) => {
      const store = await openStore(dataDir, url());
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => {});
      for (const u of schemas.splice(0)) await dropSchema(u).catch(() => {});
    },
  };
}

/** The same tests on SQLite and on PostgreSQL; the PostgreSQL ones skipped, by name, where it does not answer. */
export function describeEachBackend(title: string, body: (b: Backend) => void): void {
  for (const name of ['SQLite', 'PostgreSQL'] as const) {
    const skip = name === 'PostgreSQL' && !postgresAnswers;
    describe.skipIf(skip)(`${title} [${name}${skip ? `: skipped, PostgreSQL does not answer at ${POSTGRES_URL}` : ''}]`, () => {
      const b = backend(name);
      afterAll(() => b.cleanup());
      body(b);
    });
  }
}

/** An incident's row to hang other records on (a goto, a request, a still), where the alerts' own store is not under test. */
export async function incidentRow(store: Store, at: number): Promise<number> {
  const row = await store.db.k.insertInto('alerts')
    .values({ kind: 'ground', category: 'theft', severity: 'high', state: 'new', created_at: at, updated_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
