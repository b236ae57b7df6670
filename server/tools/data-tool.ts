import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { defaultStoreUrl, parseStoreUrl, type StoreLocation } from '../store/connection.ts';
import { DATABASE_NAME, DatabaseFileError } from '../store/database-file.ts';
import { postgresAdvice } from './postgres-advice.ts';

type Where = { data?: string; config?: string; database?: string };

/** The service's configuration as a shell tool finds it; throws ConfigError for a bad one. */
function serviceConfig(o: Where): Config {
  // 'help' comes back only for --help, which is not passed on.
  return loadConfig([
    ...(o.config ? ['--config', o.config] : []),
    ...(o.data ? ['--data', o.data] : []),
    ...(o.database ? ['--database', o.database] : []),
  ]) as Config;
}

/**
 * The service's store as a shell tool finds it: --database, else SKYBEAT_DATABASE_URL, else
 * "database" in the configuration file, else skybeat.db in the data folder.
 */
/** The service's data folder and store URL, as the service finds them (for tools that open the store). */
export function serviceStoreUrl(o: Where): { dataDir: string; url: string } {
  const config = serviceConfig(o);
  return { dataDir: config.data, url: config.database ?? defaultStoreUrl(config.data) };
}

export function serviceStore(o: Where): StoreLocation {
  const config = serviceConfig(o);
  return config.database === null ? { dialect: 'sqlite', file: path.join(config.data, DATABASE_NAME) } : parseStoreUrl(config.database);
}

function fail(tool: string, message: string, code: number): never {
  console.error(`${tool}: ${message}`);
  process.exit(code);
}

/**
 * The command line of backup and restore: one FILE, and the store resolved by the service's own
 * configuration (configuration file, SKYBEAT_DATA and SKYBEAT_DATABASE_URL, --data and --database),
 * so both act on the database the service uses. They copy SQLite files: on a PostgreSQL store they
 * do nothing and say which of its own tools to use instead. Exit code 2 for a usage or
 * configuration error, 1 when the work is refused or fails.
 */
export async function runDataTool(tool: 'backup' | 'restore', usage: string, work: (dbFile: string, file: string) => Promise<string>): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { data: { type: 'string' }, config: { type: 'string' }, database: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
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
  let store: StoreLocation;
  try {
    store = serviceStore(o);
  } catch (err) {
    if (err instanceof ConfigError) fail(tool, err.message, 2);
    throw err;
  }
  if (store.dialect === 'postgres') fail(tool, postgresAdvice(tool, store.url, positionals[0]!), 1);
  try {
    console.log(await work(store.file, positionals[0]!));
  } catch (err) {
    if (err instanceof DatabaseFileError) fail(tool, err.message, 1);
    throw err;
  }
}
