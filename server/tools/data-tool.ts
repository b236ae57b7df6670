import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { DATABASE_NAME, DatabaseFileError } from '../store/database-file.ts';

/**
 * The service's data folder as a shell tool finds it: --data, else SKYBEAT_DATA, else "data" in
 * the configuration file (--config, SKYBEAT_CONFIG or ./skybeat.config.json), else ./data.
 * Throws ConfigError for a bad configuration file.
 */
export function serviceDataDir(o: { data?: string; config?: string }): string {
  // 'help' comes back only for --help, which is not passed on.
  const config = loadConfig([...(o.config ? ['--config', o.config] : []), ...(o.data ? ['--data', o.data] : [])]) as Config;
  return config.data;
}

function fail(tool: string, message: string, code: number): never {
  console.error(`${tool}: ${message}`);
  process.exit(code);
}

/**
 * The command line of backup and restore: one FILE, and the data folder resolved by the service's
 * own configuration (configuration file, SKYBEAT_DATA, --data), so both act on the database the
 * service uses. Exit code 2 for a usage or configuration error, 1 when the work is refused or fails.
 */
export async function runDataTool(tool: string, usage: string, work: (dbFile: string, file: string) => Promise<string>): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { data: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    fail(tool, `${(err as Error).message}. Run with --help for the options.`, 2);
  }
  const { values: o, positionals } = parsed;
  if (o.help) {
    process.stdout.write(usage);
    return;
  }
  if (positionals.length !== 1) fail(tool, `expected one FILE, got ${positionals.length ? positionals.join(' ') : 'none'}. Run with --help.`, 2);
  let dataDir: string;
  try {
    dataDir = serviceDataDir(o);
  } catch (err) {
    if (err instanceof ConfigError) fail(tool, err.message, 2);
    throw err;
  }
  try {
    console.log(await work(path.join(dataDir, DATABASE_NAME), positionals[0]!));
  } catch (err) {
    if (err instanceof DatabaseFileError) fail(tool, err.message, 1);
    throw err;
  }
}
