import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { DroneRequestView, GotoView, PreflightItem } from '../../server/wire/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { spawnService } from '../helpers/process.ts';
import { REPO } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

/** Two incidents near the simulated copter's home (Wenling): one waits for a drone, one gets one. */
const WAITING = { lat: 28.3695, lon: 121.3795 };
const SCENE = { lat: 28.3709, lon: 121.382 };
const VID = 'l1-1';

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The service and a simulated copter as separate processes sharing one data folder across restarts. */
async function field() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-goto-restart-'));
  const udp = await freeUdpPort();
  const config = path.join(dataDir, 'skybeat.config.json');
  fs.writeFileSync(config, JSON.stringify({ station: { transitAltM: 30 } }));
  const args = ['--config', config, '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--link', `udpin://127.0.0.1:${udp}`, '--no-tlog'];
  const sim = spawn(process.execPath, [
    '--import',
    'tsx',
    'server/sim/main.ts',
    '--count',
    '1',
    '--link',
    `udpout://127.0.0.1:${udp}`,
    '--boot-delay',
    '2',
    '--speedup',
    '4',
    '--seed',
    '15',
  ], { cwd: REPO, stdio: 'ignore' });
  cleanup.push(() => sim.kill('SIGKILL'));
  const start = async () => {
    const svc = spawnService(args, { SKYBEAT_ADMIN_PASSWORD: 'goto-restart-pw' });
    cleanup.push(() => svc.child.kill('SIGKILL'));
    const port = await svc.port();
    let token = '';
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}${url}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() as any };
    };
    token = (await api('POST', '/api/login', { username: 'admin', password: 'goto-restart-pw' })).body.token;
    const gotos = async () => (await api('GET', '/api/gotos')).body as GotoView[];
    const until = (what: string, id: number, check: (g: GotoView) => boolean, timeoutMs = 90_000) =>
      waitFor(
        what,
        async () => {
          const g = (await gotos()).find((x) => x.id === id);
          return g && check(g) && g;
        },
        timeoutMs,
        200,
      );
    return { svc, api, gotos, until };
  };
  return { sim, start };
}

it(
  'after a kill -9 of the service the command room still has its open drone requests and past gotos, and a drone on scene is shown from telemetry, not assumed',
  async () => {
    const f = await field();
    const first = await f.start();
    await waitFor(
      'the drone ready to be sent',
      async () => {
        const checks = (await first.api('GET', `/api/vehicles/${VID}/goto/checks?lat=${SCENE.lat}&lon=${SCENE.lon}`)).body as PreflightItem[];
        return Array.isArray(checks) && checks.every((c) => c.pass || c.id === 'control');
      },
      60_000,
      250,
    );
    expect((await first.api('POST', `/api/vehicles/${VID}/control`, { action: 'take' })).status).toBe(200);

    const incident = async (where: typeof SCENE, note: string) =>
      (await first.api('POST', '/api/alerts', { category: 'fight', priority: 1, note, ...where })).body.id as number;
    const waiting = await incident(WAITING, 'gambling in a back room');
    const scene = await incident(SCENE, 'fight outside the night market');
    const open = await first.api('POST', `/api/alerts/${waiting}/drone-request`, { note: 'eyes on the back door' });
    expect(open.status).toBe(201);
    const asked = await first.api('POST', `/api/alerts/${scene}/drone-request`, {});
    const accepted = await first.api('POST', `/api/drone-requests/${asked.body.id}/accept`, { vehicleId: VID, confirm: true });
    expect(accepted.status).toBe(201);

    // The first goto is called back once it flies there; the second holds over the incident.
    const firstGoto = accepted.body.goto.id as number;
    await first.until('the first goto moving', firstGoto, (g) => g.events.some((e) => e.kind === 'moving'));
    expect((await first.api('POST', `/api/vehicles/${VID}/goto/return`, { confirm: true })).body.result).toBe('accepted');
    const second = await first.api('POST', `/api/vehicles/${VID}/goto`, { ...SCENE, alertId: scene, confirm: true });
    expect(second.status).toBe(201);
    const held = await first.until('overhead', second.body.id, (g) => g.overhead && g.heldS >= 1);
    expect(held.state).toBe('on_scene');

    // The drone goes quiet (its process stopped) and the service dies hard.
    f.sim.kill('SIGSTOP');
    first.svc.child.kill('SIGKILL');
    await first.svc.exited;
    const again = await f.start();

    const requests = (await again.api('GET', '/api/drone-requests')).body as DroneRequestView[];
    expect(requests.map((r) => ({ alertId: r.alertId, state: r.state, note: r.note, requestedBy: r.requestedBy }))).toEqual([
      { alertId: waiting, state: 'open', note: 'eyes on the back door', requestedBy: 'admin' },
    ]);
    const shown = await again.gotos();
    const past = shown.find((g) => g.id === firstGoto)!;
    expect(past).toMatchObject({ state: 'returning', alertId: scene, stale: false, overhead: false });
    expect(past.endedAt).toBeGreaterThan(past.startedAt);
    expect(past.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['sent', 'moving', 'returning']));
    // Nothing heard from the drone yet: on scene by its record, but not claimed overhead.
    const blind = shown.find((g) => g.id === second.body.id)!;
    expect(blind).toMatchObject({ state: 'on_scene', alertId: scene, overhead: false, stale: true, distanceM: null });
    expect(blind.heldS).toBeGreaterThanOrEqual(1);
    expect(blind.events.at(-1)).toMatchObject({ kind: 'restart' });
    expect((await again.api('GET', `/api/vehicles/${VID}/goto`)).body.id).toBe(second.body.id);

    // Its telemetry comes back: now (and only now) it is overhead again, and the pilot can still bring it home.
    f.sim.kill('SIGCONT');
    const seen = await again.until('overhead from fresh telemetry', second.body.id, (g) => g.overhead);
    expect(seen).toMatchObject({ stale: false, state: 'on_scene' });
    expect(seen.distanceM).toBeLessThan(30);
    const home = await again.api('POST', `/api/vehicles/${VID}/goto/return`, { confirm: true });
    expect(home.body).toMatchObject({ result: 'accepted', goto: { state: 'returning' } });
  },
  240_000,
);
