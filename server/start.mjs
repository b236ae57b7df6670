// `npm start`: runs the compiled service (from `npm run build`) when it is newer than the sources;
// otherwise runs the sources directly with tsx, building the web app first if it is missing or stale.
// Plain JavaScript on purpose: it must run before anything is compiled.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir, ext) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (ext.some((x) => e.name.endsWith(x))) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (p) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);

const built = path.join(root, 'dist', 'server', 'main.js');
if (mtime(built) > newest(path.join(root, 'server'), ['.ts', '.sql'])) {
  await import(pathToFileURL(built).href);
} else {
  const webIndex = path.join(root, 'web', 'dist', 'index.html');
  if (mtime(webIndex) < Math.max(newest(path.join(root, 'web', 'src'), ['.ts', '.css']), mtime(path.join(root, 'web', 'index.html')))) {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'server', 'main.ts')).href);
}
