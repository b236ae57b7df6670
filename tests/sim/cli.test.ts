import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../../server/links/connection.ts';
import { TcpOutLink } from '../../server/links/tcp.ts';
import { REPO } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';
import { GroundStation } from './gcs.ts';

/**
 * `npm run sim -- ARGS` as its own process (tsx, as the package script runs it). Without cameras:
 * their encoders are tested in tests/video, and here would only take CPU from the timing of the flight.
 */
function runSim(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/sim/main.ts', '--no-camera', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

const running: ReturnType<typeof runSim>[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    if (r.child.exitCode === null) {
      r.child.kill('SIGTERM');
      await r.exited;
    }
  }
});

describe('npm run sim (server/sim/main.ts)', () => {
  it.each([
    [['--count', 'three'], /--count three: expected a whole number/],
    [['--home', '28.37'], /--home 28\.37: expected LAT,LON/],
    [['--home', '91,121'], /home latitude must be -90\.\.90/],
    [['--link', 'serial:///dev/ttyS0'], /talks over udpout:\/\/, udpin:\/\/, tcpout:\/\/ or tcpin:\/\//],
    [['--loss', '1.5'], /--loss 1\.5: .*1/],
    [['--mission-fault', 'upload-skip-request'], /--mission-fault upload-skip-request: expected KIND\[:SEQ\]/],
    [['--count', '300'], /go past 254/],
    [['--speedy'], /Unknown option '--speedy'/],
    [['--autopilot', 'inav'], /--autopilot inav: expected ardupilot or px4/],
    [['--autopilot', 'px4', '--demo'], /no demo with PX4/],
    [['--autopilot', 'px4', '--mission-request', 'request'], /PX4 asks for mission items with MISSION_REQUEST_INT only/],
  ])('refuses %j with a clear message and exit code 2', async (args, message) => {
    const r = runSim(args);
    expect(await r.exited).toBe(2);
    expect(r.output()).toMatch(message);
    expect(r.output()).toMatch(/--help/);
  });

  // the control endpoint takes JSON posts only (a web page cannot send them cross-origin)
  const JSON_TYPE = { 'content-type': 'application/json' };
  it('runs drones as their own process over udpout, with a loopback JSON control endpoint for faults', async () => {
    const gcs = await GroundStation.open();
    try {
      const r = runSim(['--count', '2', '--link', gcs.uri, '--speedup', '5', '--seed', '3', '--control-port', '0', '--refuse-arm', '2']);
      running.push(r);
      const url = await waitFor('control endpoint', () => /control endpoint (http:\/\/127\.0\.0\.1:\d+)\/drones/.exec(r.output())?.[1], 20_000);
      expect(r.output()).toMatch(/seed 3/);
      await gcs.heard(1);
      await gcs.heard(2);
      const drones = await (await fetch(`${url}/drones`)).json() as { sysid: number; mode: string }[];
      expect(drones.map((d) => [d.sysid, d.mode])).toEqual([[1, 'STABILIZE'], [2, 'STABILIZE']]);

      const bad = await fetch(`${url}/drones/2/link-faults`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ loss: 'lots' }) });
      expect(bad.status).toBe(400);
      expect((await bad.json() as { error: string }).error).toMatch(/^loss: /);
      expect((await fetch(`${url}/drones/9/link-drop`, { method: 'POST', headers: JSON_TYPE })).status).toBe(404);

      expect((await fetch(`${url}/drones/2/link-drop`, { method: 'POST', headers: JSON_TYPE })).status).toBe(200);
      await new Promise((res) => setTimeout(res, 100));
      const since = gcs.mark();
      await new Promise((res) => setTimeout(res, 600)); // 3 s simulated: three heartbeats each
      expect(gcs.of(1, 'HEARTBEAT', since).length).toBeGreaterThanOrEqual(2);
      expect(gcs.of(2, 'HEARTBEAT', since)).toHaveLength(0);
      await fetch(`${url}/drones/2/link-restore`, { method: 'POST', headers: JSON_TYPE });
      await gcs.waitMsg(2, 'HEARTBEAT', () => true, 5_000, gcs.mark());

      // the --refuse-arm flag reached drone 2 only
      await gcs.waitText(2, 'EKF3 IMU0 is using GPS', 10_000);
      expect((await gcs.command(2, 400, [1])).result).toBe(4);
      expect((await gcs.command(1, 400, [1])).result).toBe(0);

      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
    } finally {
      await gcs.close();
    }
  });

  it("listens on tcpin:// like SITL's port 5760, one port per drone", async () => {
    const r = runSim(['--count', '1', '--link', 'tcpin://127.0.0.1:0']);
    running.push(r);
    const port = Number(await waitFor('listening port', () => /sysid 1 at [\d.,]+, port (\d+)/.exec(r.output())?.[1], 20_000));
    const link = new TcpOutLink(`tcpout://127.0.0.1:${port}`, '127.0.0.1', port);
    const conn = new Connection('gcs', link, { sysid: 255, compid: 190 });
    const heartbeats: number[] = [];
    conn.on('message', ({ frame }) => {
      if (frame.msgid === 0) heartbeats.push(frame.sysid);
    });
    await link.open();
    try {
      await waitFor('a heartbeat over TCP', () => heartbeats.length > 0, 10_000);
      expect(heartbeats[0]).toBe(1);
    } finally {
      await conn.close();
    }
  });

  it("runs as PX4 with --autopilot px4: PX4's heartbeat, HOLD, its fast streams", async () => {
    const gcs = await GroundStation.open();
    try {
      const r = runSim(['--autopilot', 'px4', '--link', gcs.uri, '--speedup', '2']);
      running.push(r);
      const hb = await gcs.waitMsg<{ autopilot: number; customMode: number }>(1, 'HEARTBEAT', () => true, 20_000);
      expect([hb.autopilot, hb.customMode]).toEqual([12, 0x03040000]);
      expect(r.output()).toMatch(/sim: 1 drone\(s\) on udpout:\/\/127\.0\.0\.1:\d+ as PX4, seed/);
      await gcs.waitMsg(1, 'ATTITUDE_QUATERNION', () => true, 5_000);
      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
    } finally {
      await gcs.close();
    }
  });
});
