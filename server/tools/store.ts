/**
 * npm run store -- copy --from URL --to URL
 * Moves a station's history between stores (SQLite and PostgreSQL, either way): store/copy.ts.
 */
import { parseArgs } from 'node:util';
import { parseStoreUrl, redact } from '../store/connection.ts';
import { copyStore, type TableCopy } from '../store/copy.ts';
import { openCopyEnds } from '../store/copy-open.ts';
import { StoreError } from '../store/db.ts';

const USAGE = `Copy a station's history from one SkyBeat store to another.

Usage: npm run store -- copy --from URL --to URL [--page N]
       node dist/server/tools/store.js copy ...   (a production build, e.g. in the Docker image)

  --from URL   the store to read: sqlite:PATH (e.g. sqlite:data/skybeat.db) or
               postgres://USER@HOST:5432/DB[?schema=NAME]; it must exist
  --to URL     the store to write, made if missing (a PostgreSQL schema, a SQLite file)
  --page N     rows read at a time (default 2000)

Every table is copied with its ids, in pages. Run it with the service stopped (the source's
service, and any using the target). Rows the target already holds are left alone and counted, so
running it again adds only what is new; a target holding different rows under the same ids
(another station's) is refused before anything is written. Both stores are brought to this
version's schema first. Afterwards it checks that the target holds every row of the source.
Passwords in URLs are never printed; give them in the URL or with PGPASSWORD / ~/.pgpass.
Exit code 0 when copied and verified, 1 when refused or not verified, 2 for a usage error.
`;

function fail(message: string, code: number): never {
  console.error(`store: ${message}`);
  process.exit(code);
}

const n = (x: number) => String(x).padStart(12);
const line = (t: TableCopy) => `${t.table.padEnd(16)}${n(t.source)}${n(t.added)}${n(t.alreadyThere).padStart(16)}`;

async function copy(fromUrl: string, toUrl: string, page: number): Promise<void> {
  const { from, to } = await openCopyEnds(fromUrl, toUrl);
  try {
    console.log(`copying ${redact(fromUrl)} to ${redact(toUrl)}`);
    console.log(`${'table'.padEnd(16)}${'in source'.padStart(12)}${'added'.padStart(12)}${'already there'.padStart(16)}`);
    const report = await copyStore(from, to, { page, onTable: (t) => console.log(line(t)) });
    const added = report.tables.reduce((s, t) => s + t.added, 0);
    const there = report.tables.reduce((s, t) => s + t.alreadyThere, 0);
    console.log(`added ${added} rows; ${there} were there already`);
    const wrong = report.checks.filter((c) => c.problem);
    if (wrong.length) {
      for (const c of wrong) console.error(`store: not verified: ${c.table}: ${c.problem}`);
      process.exitCode = 1;
      return;
    }
    const own = report.checks.filter((c) => c.target > c.source).map((c) => `${c.table} ${c.target - c.source}`);
    console.log(
      `verified: the target holds every row of the source, in all ${report.checks.length} tables` +
        (own.length ? ` (and rows of its own: ${own.join(', ')})` : ''),
    );
  } finally {
    await from.close();
    await to.close();
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { from: { type: 'string' }, to: { type: 'string' }, page: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    fail(`${(err as Error).message}. Run with --help for the options.`, 2);
  }
  const { values: o, positionals } = parsed;
  if (o.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals.length !== 1 || positionals[0] !== 'copy') fail(`expected the command "copy", got ${positionals.join(' ') || 'none'}. Run with --help.`, 2);
  if (!o.from || !o.to) fail(`copy needs --from URL and --to URL (missing ${!o.from ? '--from' : '--to'}). Run with --help.`, 2);
  const page = o.page === undefined ? 2000 : Number(o.page);
  if (!Number.isInteger(page) || page < 1) fail(`--page "${o.page}": a whole number of rows, at least 1`, 2);
  for (const [flag, url] of [['--from', o.from], ['--to', o.to]] as const) {
    try {
      parseStoreUrl(url);
    } catch (err) {
      fail(`${flag} ${(err as Error).message}`, 2);
    }
  }
  try {
    await copy(o.from, o.to, page);
  } catch (err) {
    if (err instanceof StoreError) fail(err.message, 1);
    fail(`the copy failed: ${(err as Error).message}`, 1);
  }
}

void main();
