/**
 * npm run restore -- FILE [--data DIR] [--database URL] [--config FILE]
 * Puts a backup in place of the database; the service must be stopped.
 */
import { restoreDatabase } from '../store/restore.ts';
import { runDataTool } from './data-tool.ts';

const USAGE = `Restore SkyBeat's database from a backup FILE. Stop the service first.

Usage: npm run restore -- FILE [--data DIR] [--database URL] [--config FILE]
       node dist/server/tools/restore.js FILE ...   (a production build, e.g. in the Docker image)

The database is the service's: --database, else SKYBEAT_DATABASE_URL, else "database" in the
configuration file (--config, SKYBEAT_CONFIG or ./skybeat.config.json), else skybeat.db in the data
folder (--data, SKYBEAT_DATA, "data" in the file, else ./data). The database it replaces is kept
beside it as <name>.before-restore-<time>. Refused while anything has the database open, and for a
file that is not a SkyBeat database or comes from a newer SkyBeat. A PostgreSQL store is restored
with PostgreSQL's pg_restore: run this to be told the command.
`;

void runDataTool('restore', USAGE, async (dbFile, file) => {
  const r = await restoreDatabase(dbFile, file);
  return `restored ${file} (schema version ${r.schemaVersion}) as ${dbFile}; ` +
    (r.keptAs ? `the database it replaced is kept as ${r.keptAs}` : 'there was no database before');
});
