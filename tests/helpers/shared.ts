import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Real captures and public mission files, kept beside the repository (never copied into it). */
export const SHARED = path.resolve(REPO, '../shared/fixtures');
export const HAS_SHARED = fs.existsSync(SHARED);

if (!HAS_SHARED && process.env.CI) {
  throw new Error(`CI must run the fixture tests, but ${SHARED} is missing`);
}

/**
 * describe() for tests that need ../shared/fixtures: on a clone without that folder they are
 * skipped, and their names say why.
 */
export function describeWithFixtures(name: string, fn: () => void): void {
  if (HAS_SHARED) describe(name, fn);
  else describe.skip(`${name} [skipped: needs ../shared/fixtures, absent in this clone]`, fn);
}

export const fixture = (...parts: string[]) => path.join(SHARED, ...parts);
