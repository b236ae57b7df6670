import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UdpInLink } from '../../server/links/udp.ts';
import { startSquadron } from '../../server/sim/squadron.ts';
import { testService } from '../helpers/service.ts';
import { REPO } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

/**
 * The Docker image's layout: the build in dist/, the launcher, production node_modules, and no
 * TypeScript sources (so nothing can fall back to tsx).
 */
let app: string;
beforeAll(() => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-app-'));
  const dist = path.join(app, 'dist');
  return new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dist], { cwd: REPO }, (err) => {
      if (err) return reject(err);
      fs.cpSync(path.join(REPO, 'server/store/migrations'), path.join(dist, 'server/store/migrations'), { recursive: true });
      fs.mkdirSync(path.join(app, 'server/tools'), { recursive: true });
      fs.copyFileSync(path.join(REPO, 'server/tools/run.mjs'), path.join(app, 'server/tools/run.mjs'));
      fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(app, 'node_modules'));
      resolve();
    });
  });
}, 180_000);

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** `npm run NAME -- ARGS` in the image's /app, as package.json has it, minus npm. */
function npmRunInApp(name: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const [node, ...script] = pkg.scripts[name]!.split(' ');
  expect(node).toBe('node');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...script, ...args],
      { cwd: app, env: { ...process.env, ...env } },
      (error, out, err) => resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}

describe('command-line tools in a production build', () => {
  it('npm run users, backup and restore run the compiled tools where there are no sources', async () => {
    const env = { SKYBEAT_DATA: fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-app-data-')) };
    const backup = path.join(env.SKYBEAT_DATA, 'backup.db');
    expect(await npmRunInApp('users', ['add', 'li.wei', '--role', 'pilot', '--password', 'li.wei-password'], env)).toEqual({
      code: 0,
      out: 'added li.wei (pilot; scope city)\n',
      err: '',
    });
    expect(await npmRunInApp('backup', [backup], env)).toMatchObject({ code: 0, err: '' });
    expect(await npmRunInApp('users', ['add', 'zhang.min', '--role', 'command', '--password', 'zhang-password'], env)).toMatchObject({ code: 0 });
    expect(await npmRunInApp('restore', [backup], env)).toMatchObject({ code: 0, out: expect.stringMatching(/^restored .*backup\.db/), err: '' });
    expect(await npmRunInApp('users', ['list'], env)).toEqual({ code: 0, out: 'li.wei\tpilot\tcity\n', err: '' });
  });
});

/** Each sitl-profile relay's command, as docker-compose.yml gives it: [relay name, argv]. */
function composeRelays(): [string, string[]][] {
  const text = fs.readFileSync(path.join(REPO, 'docker-compose.yml'), 'utf8');
  return [...text.matchAll(/^ {2}(relay\d+):\n(?: {4}.*\n)*? {4}command: \[(.*)\]$/gm)]
    .map((m) => [m[1]!, m[2]!.split(',').map((a) => a.trim().replace(/^"(.*)"$/, '$1'))]);
}

describe("the sitl profile's relays", () => {
  it("carry three copters' MAVLink from their TCP ports to SkyBeat's UDP port and back, with the compose file's arguments", async () => {
    const relays = composeRelays();
    expect(relays.map(([name]) => name)).toEqual(['relay1', 'relay2', 'relay3']);
    // Three copters listening on TCP as SITL does, with the system ids the compose file gives them.
    const squadron = await startSquadron({ count: 3, link: 'tcpin://127.0.0.1:0', seed: 4, bootDelayS: 0, gpsFixDelayS: 0 });
    cleanup.push(() => squadron.close());
    const t = await testService({ links: ['udpin://127.0.0.1:0'] });
    cleanup.push(() => t.close());
    const udpPort = (t.svc.fleet.connections.get('l1')!.link as UdpInLink).boundPort;

    const outputs = relays.map(([, argv], i) => {
      const args = argv.map((a) =>
        a.replace(`//sitl${i + 1}:5760`, `//127.0.0.1:${squadron.drones[i]!.port}`).replace('//skybeat:14550', `//127.0.0.1:${udpPort}`)
      );
      expect(args.slice(0, 2)).toEqual(['node', 'dist/server/tools/faultproxy.js']);
      expect(args.join(' ')).not.toMatch(/sitl|skybeat/); // every host name was one we replaced
      const child = spawn(process.execPath, args.slice(1), { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
      cleanup.push(() => child.kill('SIGKILL'));
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      return () => out;
    });

    // Found by heartbeat (up), positions only once SkyBeat's stream requests reached them (down).
    await waitFor('three copters with positions', () => [1, 2, 3].every((sysid) => t.svc.fleet.get(`l1-${sysid}`)?.position), 30_000);
    expect([...t.svc.fleet.vehicles.keys()].sort()).toEqual(['l1-1', 'l1-2', 'l1-3']);
    for (const out of outputs)
      expect(out()).toMatch(/faultproxy: tcpout:\/\/127\.0\.0\.1:\d+ ⇄ udpout:\/\/127\.0\.0\.1:\d+: loss 0, dup 0, reorder 0, corrupt 0, delay 0±0 ms/);
  });
});
