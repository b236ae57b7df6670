import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('production build', () => {
  it('compiles the server to plain JavaScript that imports no dev tooling and runs on node alone', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-build-'));
    execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out], { cwd: REPO });
    fs.cpSync(path.join(REPO, 'server/store/migrations'), path.join(out, 'server/store/migrations'), { recursive: true });
    // node_modules is found by walking up from the file: give the build the project's.
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(out, 'node_modules'));

    const js = files(path.join(out, 'server')).filter((f) => f.endsWith('.js'));
    const imported = new Set(
      js.flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/(?:from|import\()\s*["']([^."'][^"']*)["']/g)].map((m) => m[1]!.split('/')[0]!)),
    );
    const dev = Object.keys(pkg.devDependencies).filter((d) => imported.has(d) || [...imported].some((i) => d.startsWith(`${i}/`)));
    expect(dev).toEqual([]);
    expect(js.some((f) => fs.readFileSync(f, 'utf8').includes('.ts"'))).toBe(false);
    // What a station runs, and no more: the demo's simulator and the SITL relays' fault proxy are
    // in; the standalone simulator (npm run sim, a development tool) is not.
    const shipped = (f: string) => fs.existsSync(path.join(out, 'server', f));
    expect(['main.js', 'sim/squadron.js', 'tools/faultproxy.js', 'tools/backup.js', 'tools/restore.js', 'auth/users-cli.js'].filter((f) => !shipped(f)))
      .toEqual([]);
    expect(['sim/main.js', 'sim/control-http.js'].filter(shipped)).toEqual([]);

    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-build-data-'));
    const child = spawn(process.execPath, [path.join(out, 'server/main.js'), '--data', data, '--port', '0', '--host', '127.0.0.1', '--sim', '1', '--no-tlog'], {
      cwd: out,
      env: { ...process.env, SKYBEAT_ADMIN_PASSWORD: 'build-test-pw' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(() => child.kill('SIGKILL'));
    let log = '';
    child.stdout.on('data', (d) => {
      log += d;
    });
    child.stderr.on('data', (d) => {
      log += d;
    });
    const port = Number((await waitFor('listening', () => /listening on http:\/\/[^:]+:(\d+)/.exec(log), 20_000))[1]);
    const health = await waitFor('one simulated drone', async () => {
      const h = await (await fetch(`http://127.0.0.1:${port}/api/health`)).json() as { vehicles: { total: number } };
      return h.vehicles.total === 1 && h;
    }, 20_000);
    expect(health).toMatchObject({ status: 'ok', links: { up: 1 } });
  });
});
