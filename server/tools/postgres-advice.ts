/**
 * What `npm run backup` and `npm run restore` say when the service's store is PostgreSQL: they copy
 * SQLite files, so they do nothing, and give PostgreSQL's own tools' commands for this store
 * instead (its host, port, user, database and schema; never its password).
 */
import { redact } from '../store/connection.ts';

/** A word as a POSIX shell reads it back. */
const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/** -h HOST -p PORT -U USER -d DB, as much of it as the URL gives. */
function connectionArgs(url: URL): string[] {
  const args: string[] = [];
  if (url.hostname) args.push('-h', url.hostname.replace(/^\[(.*)\]$/, '$1'));
  args.push('-p', url.port || '5432');
  if (url.username) args.push('-U', decodeURIComponent(url.username));
  const db = decodeURIComponent(url.pathname.slice(1));
  if (db) args.push('-d', db);
  return args;
}

export function postgresAdvice(tool: 'backup' | 'restore', storeUrl: string, file: string): string {
  const url = new URL(storeUrl);
  const schema = url.searchParams.get('schema') ?? 'public';
  const conn = connectionArgs(url);
  const dump = ['pg_dump', '-Fc', ...conn, '-n', schema, '-f', file].map(quote).join(' ');
  const restore = ['pg_restore', '--clean', '--if-exists', ...conn, file].map(quote).join(' ');
  const copy = ['npm', 'run', 'store', '--', 'copy', '--from', `sqlite:${file}`, '--to', redact(storeUrl)].map(quote).join(' ');
  const lines = [
    `the store is PostgreSQL (${redact(storeUrl)}); npm run ${tool} ${tool === 'backup' ? 'backs up' : 'restores'} SQLite files only, and did nothing.`,
    tool === 'backup'
      ? "Back up with PostgreSQL's own pg_dump, also while the service runs:"
      : "Restore a dump made with pg_dump -Fc (as npm run backup advises) with PostgreSQL's own pg_restore, with the service stopped:",
    `  ${tool === 'backup' ? dump : restore}`,
    tool === 'backup'
      ? 'and restore it, with the service stopped, with'
      : `A SQLite backup (npm run backup of a SQLite store) goes in with${redact(storeUrl) === storeUrl ? '' : ' (the password where *** stands)'}`,
    `  ${tool === 'backup' ? restore : copy}`,
    'Both take the password from PGPASSWORD or ~/.pgpass. See README.md, "Choosing a store".',
  ];
  return lines.join('\n');
}
