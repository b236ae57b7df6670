/**
 * A kill -9 of the service while it records a patrol's video: the service and the simulated
 * copter (with its camera) as separate processes, as on a station. The file being written plays
 * as the crash left it; the service started again makes it whole, records the rest of the run in
 * a new file, and the run's export holds both with the time the service was down as a gap.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RunView, RunVideoView } from '../../server/wire/types.ts';
import { shortPlan } from '../patrols/rig.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { spawnService } from '../helpers/process.ts';
import { decodeVideo, freeUdpPort, longestPause } from '../helpers/recording.ts';
import { REPO } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();
const VID = 'l1-1';
const PASSWORD = 'recording-kill-pw';

async function freeLinkPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describeWithFfmpeg('a kill -9 while a run’s video is recorded', () => {
  it('leaves a file that plays up to the kill; started again, the service closes it and records the rest of the run', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-rec-kill-'));
    const missions = path.join(dataDir, 'missions');
    fs.mkdirSync(missions);
    fs.writeFileSync(path.join(missions, 'short.plan'), JSON.stringify(shortPlan()));
    const [link, camera] = [await freeLinkPort(), await freeUdpPort()];
    const sim = spawn(process.execPath, [
      ...['--import', 'tsx', 'server/sim/main.ts', '--count', '1', '--link', `udpout://127.0.0.1:${link}`],
      ...['--boot-delay', '2', '--speedup', '2', '--seed', '16', '--camera-to', `127.0.0.1:${camera}`, '--camera-size', '320x180'],
    ], { cwd: REPO, stdio: 'ignore' });
    cleanup.push(() => sim.kill('SIGKILL'));
    const args = ['--data', dataDir, '--missions', missions, '--port', '0', '--host', '127.0.0.1', '--link', `udpin://127.0.0.1:${link}`, '--no-tlog'];
    /** the service started on the data folder, and a client (logged in as the admin at first) */
    const start = async () => {
      const svc = spawnService(args, { SKYBEAT_ADMIN_PASSWORD: PASSWORD });
      cleanup.push(() => svc.child.kill('SIGKILL'));
      const base = `http://127.0.0.1:${await svc.port()}`;
      let token = '';
      const api = async (method: string, url: string, body?: unknown) => {
        const res = await fetch(base + url, {
          method,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() as any };
      };
      const login = async (username: string, pw: string) => {
        token = (await api('POST', '/api/login', { username, password: pw })).body.token;
      };
      await login('admin', PASSWORD);
      return { svc, base, api, login, token: () => token };
    };

    // The admin sees the camera come up; a pilot (who may also export runs) flies.
    const first = await start();
    await waitFor(
      'the camera announced and live',
      async () => {
        const list = (await first.api('GET', '/api/video-sources')).body;
        return list.sources?.[0]?.health?.state === 'live';
      },
      60_000,
      250,
    );
    expect((await first.api('POST', '/api/users', { name: 'pilot1', password: 'pilot1-password', roles: ['pilot'] })).status).toBe(201);
    await first.login('pilot1', 'pilot1-password');
    await waitFor(
      'preflight passes',
      async () => {
        const items = (await first.api('GET', `/api/vehicles/${VID}/preflight?routeId=short`)).body;
        return Array.isArray(items) && items.every((i: { pass: boolean; id: string }) => i.pass || i.id === 'control');
      },
      60_000,
      250,
    );
    expect((await first.api('POST', `/api/vehicles/${VID}/control`, { action: 'take' })).status).toBe(200);
    const launched = await first.api('POST', `/api/vehicles/${VID}/patrol`, { routeId: 'short', overrides: [], confirm: true });
    expect(launched.status).toBe(201);
    const runId = launched.body.id as number;
    const run = async (api: typeof first.api) => (await api('GET', `/api/runs/${runId}`)).body as RunView;
    await waitFor('flying', async () => (await run(first.api)).state === 'flying', 90_000, 250);
    // a few seconds of video in the file, then the service dies hard
    const open = await waitFor(
      '5 s recorded',
      async () => {
        const segs = ((await first.api('GET', `/api/runs/${runId}/video`)).body as RunVideoView).segments;
        return segs.length === 1 && segs[0]!.endedAt - segs[0]!.startedAt >= 5000 && segs[0]!;
      },
      30_000,
      250,
    );
    await new Promise((r) => setTimeout(r, 1000));
    first.svc.child.kill('SIGKILL');
    await first.svc.exited;
    const killedAt = Date.now();

    // As the crash left it: the file plays.
    const [folder] = fs.readdirSync(path.join(dataDir, 'recordings'));
    expect(folder).toBe(VID);
    const files = fs.readdirSync(path.join(dataDir, 'recordings', VID));
    expect(files).toHaveLength(1);
    const left = decodeVideo(path.join(dataDir, 'recordings', VID, files[0]!));
    expect(left.errors).toBe('');
    expect(left.durationS).toBeGreaterThan(5.5);
    expect(left.times.length).toBeGreaterThan(5.5 * 20);

    // Started again: the file is closed with the end its pictures say; the run, still in the air, records on.
    const again = await start();
    await again.login('pilot1', 'pilot1-password');
    expect(again.svc.output()).toMatch(new RegExp(`recording left open by a crash: ${VID}/${files[0]!.replace(/[.]/g, '\\.')}: \\d+ pictures kept`));
    const landed = await waitFor(
      'landed',
      async () => {
        const r = await run(again.api);
        return r.state === 'landed' && r;
      },
      150_000,
      250,
    );
    const segs = ((await again.api('GET', `/api/runs/${runId}/video`)).body as RunVideoView).segments;
    expect(segs.length).toBeGreaterThanOrEqual(2);
    expect(segs[0]).toMatchObject({ id: open.id, writing: false });
    expect(segs[0]!.endedAt - segs[0]!.startedAt).toBeCloseTo(left.durationS * 1000, -2);
    // Its end is its start (the arrival of its first picture, on the service's clock) plus its pictures'
    // own duration (on the camera's clock): the two clocks differ by a few ms over these seconds (8 and
    // 13 ms seen in loaded runs), far less than the 200 ms allowed here.
    expect(segs[0]!.endedAt).toBeLessThanOrEqual(killedAt + 200);
    expect(segs[1]!.startedAt).toBeGreaterThan(killedAt);
    expect(Math.abs(segs.at(-1)!.endedAt - landed.endedAt!)).toBeLessThan(1000);

    // The run's export: both parts, the service's down time a gap between them.
    const res = await fetch(`${again.base}/api/runs/${runId}/video.mp4`, { headers: { authorization: `Bearer ${again.token()}` } });
    expect(res.status).toBe(200);
    const file = path.join(dataDir, 'run.mp4');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const whole = decodeVideo(file);
    expect(whole.errors).toBe('');
    expect(whole.durationS).toBeCloseTo((segs.at(-1)!.endedAt - segs[0]!.startedAt) / 1000, 0);
    const pause = longestPause(whole.times);
    expect(pause.at).toBeCloseTo(left.times.at(-1)! - left.times[0]!, 1);
    expect(pause.s).toBeCloseTo((segs[1]!.startedAt - segs[0]!.endedAt) / 1000 + 0.04, 1);
  }, 300_000);
});
