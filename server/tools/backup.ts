/**
 * npm run backup -- FILE [--data DIR] [--config FILE]
 * A consistent copy of the live database in one file, also while the service runs.
 */
import { backupDatabase } from '../store/backup.ts';
import { runDataTool } from './data-tool.ts';

const USAGE = `Back up SkyBeat's database to FILE, also while the service runs.

Usage: npm run backup -- FILE [--data DIR] [--config FILE]
       node dist/server/tools/backup.js FILE ...   (a production build, e.g. in the Docker image)

The data folder is the service's: --data, else SKYBEAT_DATA, else "data" in the configuration
file (--config, SKYBEAT_CONFIG or ./skybeat.config.json), else ./data. FILE must not exist yet.
`;

void runDataTool('backup', USAGE, async (dbFile, file) => {
  const r = await backupDatabase(dbFile, file);
  return `backed up ${dbFile} to ${file} (${(r.bytes / 1e6).toFixed(1)} MB, schema version ${r.schemaVersion})`;
});
