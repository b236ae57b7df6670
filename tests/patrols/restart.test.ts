import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunView } from '../../server/wire/types.ts';
import { spawnService } from '../helpers/process.ts';
import { REPO } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';
import { shortPlan } from './rig.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * The service and the simulated copter as separate processes, as in the field: killing the
 * service leaves the drone flying.
 */
async function field(simArgs: string[] = []) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-restart-'));
  const missions = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-restart-missions-'));
  fs.writeFileSync(path.join(missions, 'short.plan'), JSON.stringify(shortPlan()));
  const udp = await freeUdpPort();
  const args = ['--data', dataDir, '--missions', missions, '--port', '0', '--host', '127.0.0.1', '--link', `udpin://127.0.0.1:${udp}`, '--no-tlog'];
  const env = { SKYBEAT_ADMIN_PASSWORD: 'restart-test-pw' };
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
    '21',
    ...simArgs,
  ], { cwd: REPO, stdio: 'ignore' });
  cleanup.push(() => sim.kill('SIGKILL'));
  const start = async () => {
    const svc = spawnService(args, env);
    cleanup.push(() => svc.child.kill('SIGKILL'));
    const port = await svc.port();
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}${url}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() as any };
    };
    let token = '';
    token = (await api('POST', '/api/login', { username: 'admin', password: 'restart-test-pw' })).body.token;
    /** wait until the drone passes preflight (but control), then take control of it */
    const readyInControl = async () => {
      await waitFor(
        'drone ready',
        async () => {
          const items = (await api('GET', '/api/vehicles/l1-1/preflight?routeId=short')).body;
          return Array.isArray(items) && items.every((i: { id: string; pass: boolean }) => i.pass || i.id === 'control');
        },
        30_000,
        250,
      );
      await api('POST', '/api/vehicles/l1-1/control', { action: 'take' });
    };
    return { svc, api, readyInControl };
  };
  return { start, missions };
}

describe('process faults', () => {
  it('kill -9 during a patrol: after the restart the flying drone is picked up with its run, which ends landed', async () => {
    const f = await field();
    const first = await f.start();
    await first.readyInControl();
    const id = (await first.api('POST', '/api/vehicles/l1-1/patrol', { routeId: 'short', confirm: true })).body.id as number;
    await waitFor('flying', async () => (await first.api('GET', `/api/runs/${id}`)).body.state === 'flying', 60_000, 250);

    first.svc.child.kill('SIGKILL');
    await first.svc.exited;
    const second = await f.start();
    const resumed = (await second.api('GET', `/api/runs/${id}`)).body as RunView;
    expect(resumed.state).toBe('flying');
    expect(resumed.events.some((e) => e.kind === 'restart')).toBe(true);
    // The pilot is still in command: a return home needs no new take.
    expect((await second.api('GET', '/api/control')).body).toEqual({ 'l1-1': 'admin' });
    const done = await waitFor(
      'landed after the restart',
      async () => {
        const r = (await second.api('GET', `/api/runs/${id}`)).body as RunView;
        return r.state === 'landed' && r;
      },
      120_000,
      500,
    );
    expect(done.result).toMatch(/^completed$|^returned early/);
    expect(done.endedAt).toBeGreaterThan(done.startedAt);
  });

  it('kill -9 during a route upload: the stored route is unchanged and the run is marked failed on restart', async () => {
    // The drone never asks for items: the upload hangs in its retries while we kill the service.
    const f = await field(['--mission-fault', 'upload-no-request']);
    const file = path.join(f.missions, 'short.plan');
    const before = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const first = await f.start();
    await first.readyInControl();
    const launched = await first.api('POST', '/api/vehicles/l1-1/patrol', { routeId: 'short', confirm: true });
    expect(launched.body.state).toBe('uploading');
    await new Promise((r) => setTimeout(r, 500));
    first.svc.child.kill('SIGKILL');
    await first.svc.exited;

    const second = await f.start();
    const run = (await second.api('GET', `/api/runs/${launched.body.id}`)).body as RunView;
    expect(run).toMatchObject({ state: 'failed', result: 'failed: the service restarted during the launch' });
    expect(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(before);
    expect((await second.api('GET', '/api/routes/short')).status).toBe(200);
  });
});
