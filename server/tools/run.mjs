// `npm run users|backup|restore|store`: runs a command-line tool from its TypeScript source with tsx where
// both are at hand (a clone: always the current code), else its compiled form from `npm run build`
// (the Docker image and production installs, which have neither the sources nor tsx).
// Plain JavaScript on purpose: it must run before anything is compiled.
// Usage: node server/tools/run.mjs TOOL [ARGS], TOOL as under server/ without extension (auth/users-cli).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Taken out of argv, so the tool finds its own arguments where node puts them.
const [tool] = process.argv.splice(2, 1);
if (!tool) {
  console.error('usage: node server/tools/run.mjs TOOL [ARGS] (TOOL as auth/users-cli)');
  process.exit(2);
}
const source = path.join(root, 'server', `${tool}.ts`);
const built = path.join(root, 'dist', 'server', `${tool}.js`);

async function tsx() {
  try {
    return await import('tsx/esm/api');
  } catch (err) {
    if (err.code === 'ERR_MODULE_NOT_FOUND') return null; // a production install: dev tools pruned
    throw err;
  }
}

const api = fs.existsSync(source) ? await tsx() : null;
if (api) {
  api.register();
  await import(pathToFileURL(source).href);
} else if (fs.existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  console.error(`${tool}: found neither ${source} with tsx nor ${built}: run npm install, or npm run build`);
  process.exit(1);
}
