import { ardupilotmega, common, minimal } from 'node-mavlink';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { isNav } from '../../server/missions/commands.ts';
import type { Vehicle } from '../../server/vehicles/vehicle.ts';
import { waitFor } from '../helpers/wait.ts';
import { missionRig } from './rig.ts';
import { example } from './routes-for-tests.ts';

/**
 * The example routes are flyable: uploaded to simulated ArduCopters (25x real time), started
 * the way the capture shows (GUIDED, arm, MISSION_START), each flies to every navigation item
 * and lands back home.
 */

const { MavCmd } = common;
const SPEEDUP = 25;
let rig: Awaited<ReturnType<typeof missionRig>>;
beforeAll(async () => {
  rig = await missionRig(3, { speedup: SPEEDUP, sysidBase: 60 });
  // Telemetry runs 25x too, too much for a loaded 2-core machine's UDP buffers: keep only the
  // position (so the Fleet does not ask for everything again) and MISSION_CURRENT, once a simulated second.
  for (const v of rig.vehicles) {
    const stop = new common.RequestDataStream();
    Object.assign(stop, { targetSystem: v.sysid, targetComponent: v.autopilotCompid, reqStreamId: 0, reqMessageRate: 0, startStop: 0 });
    rig.fleet.send(v, stop);
    for (const cls of [common.GlobalPositionInt, common.MissionCurrent]) command(v, MavCmd.SET_MESSAGE_INTERVAL, cls.MSG_ID, 1e6);
  }
}, 60_000);
afterAll(() => rig?.close());

function command(v: Vehicle, cmd: number, ...params: number[]): void {
  const m = new common.CommandLong();
  m.targetSystem = v.sysid;
  m.targetComponent = v.autopilotCompid;
  m.command = cmd;
  [m._param1, m._param2, m._param3, m._param4] = [params[0] ?? 0, params[1] ?? 0, params[2] ?? 0, params[3] ?? 0];
  rig.fleet.send(v, m);
}

/** Repeat a command until the vehicle shows its effect, as a pilot would. */
async function until(v: Vehicle, what: string, cmd: () => void, check: () => boolean): Promise<void> {
  const timer = setInterval(cmd, 1000);
  cmd();
  try {
    await waitFor(what, check, 30_000);
  } finally {
    clearInterval(timer);
  }
}

describe.concurrent('the example routes fly in the simulator', () => {
  for (const [i, id] of ['night-market', 'residential-loop', 'riverside'].entries()) {
    it(`${id}: every navigation item reached, back on the ground at home`, async ({ expect, onTestFinished }) => {
      const v = rig.vehicle(60 + i);
      const route = example(id);
      // Items headed for (MISSION_CURRENT) or reached (MISSION_ITEM_REACHED): with telemetry at 25x on a
      // busy machine some packets are dropped, and MISSION_CURRENT repeats what a lost one would have said.
      const visited = new Set<number>();
      const stops = [
        rig.fleet.onMessage(v.id, common.MissionItemReached, (m) => visited.add(m.seq)),
        rig.fleet.onMessage(v.id, common.MissionCurrent, (m) => {
          if (v.armed) visited.add(m.seq);
        }),
      ];
      onTestFinished(() => {
        for (const stop of stops) stop();
      });
      const r = await rig.client.uploadRoute(v, route);
      expect(r.kind, r.message).toBe('success');

      await until(
        v,
        'GUIDED',
        () => command(v, MavCmd.DO_SET_MODE, minimal.MavModeFlag.CUSTOM_MODE_ENABLED, ardupilotmega.CopterMode.GUIDED),
        () => v.mode === 'GUIDED',
      );
      await until(v, 'armed', () => command(v, MavCmd.COMPONENT_ARM_DISARM, 1), () => v.armed);
      await until(v, 'AUTO', () => command(v, MavCmd.MISSION_START), () => v.mode === 'AUTO');
      const navSeqs = route.items.map((it, k) => [it.command, k + 1] as const).filter(([c]) => isNav(c)).map(([, seq]) => seq);
      // Simulated time slows down when the machine is busy: allow far more than the 10-36 s the flights take.
      await waitFor(`${id} flown, landed and disarmed`, () => visited.has(navSeqs.at(-1)!) && !v.armed && rig.drone(v.sysid).status().landed, 150_000, 200)
        .catch((err: Error) => {
          throw new Error(`${err.message}; items seen: ${[...visited]}; it said: ${v.messages.map((m) => m.text).join(' / ')}`);
        });
      expect(navSeqs.filter((seq) => !visited.has(seq))).toEqual([]);
      const drone = rig.drone(v.sysid).status();
      expect(drone.landed).toBe(true);
      expect(Math.abs(drone.lat - v.home!.lat) + Math.abs(drone.lon - v.home!.lon)).toBeLessThan(2e-5);
    }, 200_000);
  }
});
