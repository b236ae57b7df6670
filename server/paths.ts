import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where SkyBeat is installed and the folders it ships with, in both of its layouts:
 *   sources, run with tsx:              ROOT/server/paths.ts
 *   compiled by `npm run build`:        ROOT/dist/server/paths.js  (systemd, the Docker image)
 * Every default path found from the code's own location comes from here: a path worked out from
 * another file's folder is one level short once compiled (it once looked for ROOT/dist/web/dist).
 * server/start.mjs and server/tools/run.mjs find the root themselves: they run before anything is
 * compiled, and sit in server/ in both layouts.
 */
const here = fileURLToPath(import.meta.url);
/** tsc writes the server one folder deeper, under dist/ (tsconfig.build.json's outDir) */
const compiled = here.endsWith('.js');

/** the folder of the code being run: ROOT/server, or ROOT/dist/server */
export const CODE_DIR = path.dirname(here);
export const INSTALL_ROOT = path.resolve(CODE_DIR, compiled ? '../..' : '..');
/** the built web app (`npm run build`, or `npx vite build`) */
export const WEB_DIST_DIR = path.join(INSTALL_ROOT, 'web', 'dist');
/** the example patrol routes shipped with SkyBeat */
export const MISSIONS_DIR = path.join(INSTALL_ROOT, 'missions');
/** beside the code: `npm run build` copies them into dist/ (tsc copies no .sql) */
export const MIGRATIONS_DIR = path.join(CODE_DIR, 'store', 'migrations');
