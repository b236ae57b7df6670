/**
 * A store copy's work on a table with a primary key (copy.ts): read the source in pages of the key's
 * order (keyset pagination: a city's tables are never loaded whole), check the target's rows under
 * the same keys, add the missing ones with their ids, and verify afterwards that every key is there.
 */
import { type ExpressionBuilder, sql } from 'kysely';
import { StoreError } from './db.ts';
import { type AnyKysely, describeKey, type KeyedTable, keyOf, type Row, rowsPerInsert } from './copy-tables.ts';

type Eb = ExpressionBuilder<Record<string, Row>, string>;

/** Rows after `last` in key order: (k1 > a) or (k1 = a and k2 > b) … */
function after(eb: Eb, key: readonly string[], last: Row) {
  return eb.or(key.map((c, i) => eb.and([...key.slice(0, i).map((p) => eb(p, '=', last[p])), eb(c, '>', last[c])])));
}

/** The table's rows (or only their keys) in pages of `size`, in key order. */
export async function* pages(k: AnyKysely, table: string, t: KeyedTable, size: number, only: 'rows' | 'keys'): AsyncGenerator<Row[]> {
  let last: Row | undefined;
  for (;;) {
    const from = k.selectFrom(table);
    let q = only === 'rows' ? from.selectAll() : from.select(t.key as string[]);
    if (last) {
      const before = last;
      q = q.where((eb) => after(eb, t.key, before));
    }
    for (const c of t.key) q = q.orderBy(c);
    const rows = await q.limit(size).execute();
    if (rows.length) yield rows;
    if (rows.length < size) return;
    last = rows.at(-1);
  }
}

/** The target's rows under the keys of `page`, by key. A composite key's first column picks the candidates. */
async function rowsUnder(k: AnyKysely, table: string, t: KeyedTable, page: Row[], only: 'rows' | 'keys'): Promise<Map<string, Row>> {
  const first = t.key[0]!;
  const from = k.selectFrom(table);
  const q = only === 'rows' ? from.selectAll() : from.select(t.key as string[]);
  const found = await q.where(first, 'in', [...new Set(page.map((r) => r[first]))]).execute();
  const wanted = new Set(page.map((r) => keyOf(t.key, r)));
  return new Map(found.filter((r) => wanted.has(keyOf(t.key, r))).map((r) => [keyOf(t.key, r), r]));
}

/** Columns whose values say nothing a message should show. */
const UNSHOWN = new Set(['password_hash', 'token_hash', 'image']);
const same = (a: unknown, b: unknown) => (Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : a === b);
const show = (column: string, v: unknown) => (UNSHOWN.has(column) || Buffer.isBuffer(v) ? '…' : JSON.stringify(v));

function differences(source: Row, target: Row): string[] {
  return [...new Set([...Object.keys(source), ...Object.keys(target)])]
    .filter((c) => !same(source[c], target[c]))
    .map((c) => `${c}: ${show(c, source[c])} in the source, ${show(c, target[c])} in the target`);
}

const ANOTHER_STATION = 'It holds records of another station (or this one changed them since an earlier copy): ' +
  'copy into an empty store (a new schema or file), with the service stopped.';

/** Rows under another key that hold a unique value of `page` (a user's name, an incident number, a file). */
async function checkUnique(k: AnyKysely, table: string, t: KeyedTable, page: Row[]): Promise<void> {
  for (const u of t.unique ?? []) {
    const norm = (v: unknown) => (u.nocase ? String(v).toLowerCase() : v);
    const bySource = new Map(page.filter((r) => r[u.column] !== null).map((r) => [norm(r[u.column]), r]));
    if (!bySource.size) continue;
    const column = u.nocase ? sql<unknown>`lower(${sql.ref(u.column)})` : sql.ref<unknown>(u.column);
    const found = await k.selectFrom(table).select([...t.key, u.column] as string[]).where(column, 'in', [...bySource.keys()]).execute();
    for (const other of found) {
      const source = bySource.get(norm(other[u.column]))!;
      if (keyOf(t.key, source) === keyOf(t.key, other)) continue;
      throw new StoreError(
        `${table} ${describeKey(t.key, source)}: the target holds another row (${describeKey(t.key, other)}) with the same ${u.column} ` +
          `${show(u.column, other[u.column])}. ${ANOTHER_STATION}`,
      );
    }
  }
}

/**
 * Before anything is written: each source row the target holds under the same key must be the
 * same row, and no target row may hold its unique values under another key. Returns how many
 * source rows there are and how many the target holds already.
 */
export async function checkTable(from: AnyKysely, to: AnyKysely, table: string, t: KeyedTable, size: number): Promise<{ source: number; there: number }> {
  let source = 0;
  let there = 0;
  for await (const page of pages(from, table, t, size, 'rows')) {
    source += page.length;
    const targets = await rowsUnder(to, table, t, page, 'rows');
    for (const row of page) {
      const other = targets.get(keyOf(t.key, row));
      if (!other) continue;
      const diff = differences(row, other);
      if (diff.length)
        throw new StoreError(`${table} ${describeKey(t.key, row)}: the target holds a different row under this key (${diff.join('; ')}). ${ANOTHER_STATION}`);
      there++;
    }
    await checkUnique(to, table, t, page);
  }
  return { source, there };
}

/** Add the source's rows the target lacks, ids and all; a row already there is left as it is. */
export async function copyTable(from: AnyKysely, to: AnyKysely, table: string, t: KeyedTable, size: number): Promise<{ source: number; added: number }> {
  let source = 0;
  let added = 0;
  for await (const page of pages(from, table, t, size, 'rows')) {
    source += page.length;
    const per = rowsPerInsert(Object.keys(page[0]!).length);
    for (let i = 0; i < page.length; i += per) {
      const r = await to.insertInto(table).values(page.slice(i, i + per)).onConflict((oc) => oc.columns(t.key as string[]).doNothing()).executeTakeFirst();
      added += Number(r.numInsertedOrUpdatedRows ?? 0);
    }
  }
  return { source, added };
}

export interface TableCheck {
  table: string;
  source: number;
  target: number;
  /** source rows the target does not hold */
  missing: number;
  /** what is wrong, for the report (absent when nothing is) */
  problem?: string;
}

/** After the copy: every source key is in the target (read again from both, key pages only). */
export async function verifyTable(from: AnyKysely, to: AnyKysely, table: string, t: KeyedTable, size: number): Promise<TableCheck> {
  const check: TableCheck = { table, source: 0, target: 0, missing: 0 };
  let example = '';
  for await (const page of pages(from, table, t, size, 'keys')) {
    check.source += page.length;
    const there = await rowsUnder(to, table, t, page, 'keys');
    for (const row of page) {
      if (there.has(keyOf(t.key, row))) continue;
      check.missing++;
      example ||= describeKey(t.key, row);
    }
  }
  check.target = await countRows(to, table);
  if (check.missing) check.problem = `${check.missing} of ${check.source} rows are not in the target (the first: ${example})`;
  return check;
}

export async function countRows(k: AnyKysely, table: string): Promise<number> {
  const r = await k.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * PostgreSQL: an identity column's sequence knows nothing of ids inserted explicitly, so the
 * service's next insert would be given an id the copy already used. Moved past the highest id
 * (never back: nextval - 1 is at least where it stood).
 */
export async function moveSequence(k: AnyKysely, table: string): Promise<void> {
  const seq = sql`pg_get_serial_sequence(${table}, 'id')`;
  await sql`SELECT setval(${seq}, GREATEST(m, nextval(${seq}) - 1)) FROM (SELECT max(id) AS m FROM ${sql.table(table)}) x WHERE m IS NOT NULL`.execute(k);
}
