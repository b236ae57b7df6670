/**
 * npm run backup -- FILE [--data DIR] [--database URL] [--config FILE]
 * A consistent copy of the live database in one file, also while the service runs.
 */
import { backupDatabase } from '../store/backup.ts';
import { runDataTool } from './data-tool.ts';

const USAGE = `Back up SkyBeat's database to FILE, also while the service runs.

Usage: npm run backup -- FILE [--data DIR] [--database URL] [--config FILE]
       node dist/server/tools/backup.js FILE ...   (a production build, e.g. in the Docker image)

The database is the service's: --database, else SKYBEAT_DATABASE_URL, else "database" in the
configuration file (--config, SKYBEAT_CONFIG or ./skybeat.config.json), else skybeat.db in the data
folder (--data, SKYBEAT_DATA, "data" in the file, else ./data). FILE must not exist yet.
A PostgreSQL store is backed up with PostgreSQL's pg_dump: run this to be told the command.
`;

void runDataTool('backup', USAGE, async (dbFile, file) => {
  const r = await backupDatabase(dbFile, file);
  return `backed up ${dbFile} to ${file} (${(r.bytes / 1e6).toFixed(1)} MB, schema version ${r.schemaVersion})`;
});
