import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../server/config.ts';

/** A configuration file of its own (a string is written as it is, anything else as JSON); returns its path. */
export function configFile(content: unknown): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-cfg-')), 'skybeat.config.json');
  fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}

/** The configuration these flags and this environment give (which must not be --help). */
export const loadConfigOf = (argv: string[], env: NodeJS.ProcessEnv = {}) => loadConfig(argv, env) as Config;

/** The message of the ConfigError these flags and this environment give; fails the test if there is none. */
export function configError(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    loadConfig(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}
