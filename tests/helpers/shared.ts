import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * Real captures and public mission files, kept beside the repository (never copied into it).
 * SKYBEAT_FIXTURES names another folder: CI points it at one that does not exist, to prove that a
 * clone without the fixtures skips their tests by name instead of failing.
 */
export const SHARED = process.env.SKYBEAT_FIXTURES ? path.resolve(process.env.SKYBEAT_FIXTURES) : path.resolve(REPO, '../shared/fixtures');
export const HAS_SHARED = fs.existsSync(SHARED);

// In CI the fixture tests must run, unless a folder was named on purpose (the check above).
if (!HAS_SHARED && process.env.CI && !process.env.SKYBEAT_FIXTURES) {
  throw new Error(`CI must run the fixture tests, but ${SHARED} is missing`);
}

/** What a fixture test's name says when it is skipped, so a clone's test report tells why. */
export const FIXTURES_ABSENT = '[skipped: needs ../shared/fixtures, absent in this clone]';

/**
 * describe() for tests that need ../shared/fixtures: on a clone without that folder they are
 * skipped, and their names say why. The body still runs to collect the tests, skipped or not:
 * read fixture files only inside beforeAll/it, never in the body itself.
 */
export function describeWithFixtures(name: string, fn: () => void): void {
  if (HAS_SHARED) describe(name, fn);
  else describe.skip(`${name} ${FIXTURES_ABSENT}`, fn);
}

export const fixture = (...parts: string[]) => path.join(SHARED, ...parts);
