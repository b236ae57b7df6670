/**
 * Production builds made the way users make them, away from the repository's own dist/ and web/dist
 * (which other test files read while this one builds): a copy of the Docker build context, built
 * with `npm run build`, and the Docker image's runtime layout followed line by line from the
 * Dockerfile (no Docker engine is needed, or assumed).
 */

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './shared.ts';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** .dockerignore's entries: plain paths from the context's root (a glob would need a real matcher). */
function dockerIgnored(): string[] {
  const lines = fs.readFileSync(path.join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const l of lines) if (/[*?[!]/.test(l)) throw new Error(`.dockerignore: "${l}" is a pattern; tests/helpers/production.ts copies plain paths only`);
  return lines.map((l) => l.replace(/^\/|\/$/g, ''));
}

/**
 * The repository as the Docker build context (and a fresh clone) has it: no dependencies, builds,
 * data or test output. The project's node_modules is linked in, standing in for `npm ci`.
 */
export function contextCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-context-'));
  const ignored = dockerIgnored();
  fs.cpSync(REPO, dir, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(REPO, src).split(path.sep).join('/');
      return !ignored.some((i) => rel === i || rel.startsWith(`${i}/`));
    },
  });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** `npm run NAME` with the real npm, as a user types it. */
export function npmRun(dir: string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['run', name],
      { cwd: dir, maxBuffer: 16 << 20 },
      (err, out, errOut) => (err ? reject(new Error(`npm run ${name}: ${err.message}\n${out}${errOut}`)) : resolve(out)),
    );
  });
}

/** A package.json script's argv, for a script that is one plain `node …` command (npm adds nothing else). */
export function scriptArgv(name: string): string[] {
  const argv = pkg.scripts[name]!.split(' ');
  if (argv[0] !== 'node' || argv.some((a) => /[&|;<>$]/.test(a))) throw new Error(`npm script ${name} is not one plain node command: ${pkg.scripts[name]}`);
  return argv.slice(1);
}

export interface Image {
  /** the image's /app */
  app: string;
  /** the image's ENV, its paths mapped to here */
  env: Record<string, string>;
  /** the image's CMD: ['node', …] */
  cmd: string[];
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): string[] {
  return fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/**
 * The runtime stage of the Dockerfile laid out in a temporary folder: each COPY done as Docker
 * would, from `build` (the build stage's /app, i.e. a built contextCopy) or from `context`, and
 * /data mapped to `data`. node_modules is linked to the project's, not pruned:
 * tests/ops/build.test.ts checks that the compiled service imports no dev dependency.
 */
export function imageLayout(build: string, context: string, data: string): Image {
  const lines = dockerfile();
  const runtime = lines.slice(lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true) + 1);
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-image-'));
  let workdir = '/';
  const here = (containerPath: string) => {
    const abs = path.posix.resolve(workdir, containerPath);
    if (abs === '/data' || abs.startsWith('/data/')) return path.join(data, abs.slice('/data'.length));
    if (abs === '/app' || abs.startsWith('/app/')) return path.join(app, abs.slice('/app'.length));
    throw new Error(`Dockerfile: ${containerPath} is outside /app and /data; tests/helpers/production.ts maps only those`);
  };
  const env: Record<string, string> = {};
  let cmd: string[] | null = null;
  for (const line of runtime) {
    const [instruction, ...rest] = line.split(/\s+/);
    if (instruction === 'WORKDIR') workdir = rest[0]!;
    else if (instruction === 'ENV') {
      for (const pair of rest) {
        const [k, v] = pair.split('=') as [string, string];
        env[k] = v.startsWith('/') ? here(v) : v;
      }
    } else if (instruction === 'COPY') {
      const from = rest.find((a) => a.startsWith('--from='))?.slice('--from='.length);
      const [dest, ...sources] = rest.filter((a) => !a.startsWith('--')).reverse();
      for (const src of sources.reverse()) {
        if (from && from !== 'build') throw new Error(`Dockerfile: COPY --from=${from}: only the build stage is known here`);
        const target = dest!.endsWith('/') ? path.join(here(dest!), path.basename(src)) : here(dest!);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        if (from && path.posix.resolve('/app', src) === '/app/node_modules') fs.symlinkSync(path.join(REPO, 'node_modules'), target);
        else fs.cpSync(from ? path.join(build, path.posix.relative('/app', path.posix.resolve('/app', src))) : path.join(context, src), target, {
            recursive: true,
          });
      }
    } else if (instruction === 'CMD') cmd = JSON.parse(rest.join(' ')) as string[];
  }
  if (!cmd || cmd[0] !== 'node') throw new Error(`Dockerfile: the runtime CMD is not ["node", …]: ${JSON.stringify(cmd)}`);
  return { app, env, cmd };
}
