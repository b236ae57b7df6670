/**
 * Vitest globalSetup for the browser tests: builds the web app once, so the page under test is
 * always the current source, not a stale web/dist.
 */

import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export default async function buildWeb(): Promise<void> {
  await build({ configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)), logLevel: 'warn' });
}
