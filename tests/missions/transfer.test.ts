import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { RouteProgress } from '../../server/missions/protocol/client.ts';
import { RouteStore } from '../../server/missions/store.ts';
import { REPO } from '../helpers/shared.ts';
import { missionRig } from './rig.ts';
import { example, hundredItems } from './routes-for-tests.ts';

/**
 * The mission client against simulated ArduCopters over real UDP sockets, in real time: the
 * integration runs. Every protocol branch and every simulator fault (once and for good) is
 * tested in simulated time against the same ArduPilot model in upload-faults, download-faults
 * and route-upload-faults.test.ts, where results cannot depend on the machine's load.
 * Each test has a drone of its own, so they run side by side.
 */

type Rig = Awaited<ReturnType<typeof missionRig>>;
let rig: Rig;
const DRONES = 6;

beforeAll(async () => {
  rig = await missionRig(DRONES);
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

let nextSysid = 1;
/** A drone no other test uses. */
function own() {
  const sysid = nextSysid++;
  if (sysid > DRONES) throw new Error('not enough simulated drones for the tests: raise DRONES');
  return { v: rig.vehicle(sysid), drone: rig.drone(sysid) };
}

describe.concurrent('mission transfer against the simulator', () => {
  it('uploads each example route, reads it back identical; the drone holds exactly those items', async ({ expect }) => {
    const { v, drone } = own();
    for (const id of ['night-market', 'residential-loop', 'riverside']) {
      const route = example(id);
      const r = await rig.client.uploadRoute(v, route);
      expect(r.kind, r.message).toBe('success');
      const stored = drone.storedItems(0);
      expect(stored).toHaveLength(route.items.length + 1);
      expect(stored.slice(1).map((i) => [i.command, i.x, i.y, i.z])).toEqual(
        route.items.map((i) => [i.command, Math.round(i.lat * 1e7), Math.round(i.lon * 1e7), i.alt]),
      );
      if (id === 'residential-loop') {
        expect(r.verified).toEqual(['mission', 'fence', 'rally']);
        expect(drone.storedItems(1).map((i) => [i.command, i.param1])).toEqual([[5001, 4], [5001, 4], [5001, 4], [5001, 4]]);
        expect(drone.storedItems(2)).toHaveLength(1);
      } else {
        expect(r.verified).toEqual(['mission']);
      }
    }
  });

  it("a 100-item route uploads and verifies; the read-back starts with the drone's real home", async ({ expect }) => {
    const { v } = own();
    const progress: RouteProgress[] = [];
    const r = await rig.client.uploadRoute(v, hundredItems(), { onProgress: (p) => progress.push(p) });
    expect(r).toEqual({ kind: 'success', message: `hundred → ${v.id}: mission uploaded and read back identical`, verified: ['mission'] });
    const up = progress.filter((p) => p.op === 'upload');
    expect(up.at(-1)).toEqual({ op: 'upload', done: 101, total: 101, type: 'mission', attempt: 1 });
    expect(progress.filter((p) => p.op === 'download').at(-1)).toMatchObject({ done: 101, total: 101 });
    const down = await rig.client.download(v, 'mission');
    expect(down.kind).toBe('success');
    const home = v.home!; // from the drone's HOME_POSITION
    expect([down.items![0]!.x, down.items![0]!.y, down.items![0]!.z]).toEqual([
      Math.round(home.lat * 1e7),
      Math.round(home.lon * 1e7),
      Math.fround(home.altMsl),
    ]);
    expect(down.items!.at(-1)!.frame).toBe(0); // RTL went up in frame 2, ArduPilot returns 0
  });

  it('downloads and clears fence and rally points as well as the mission', async ({ expect }) => {
    const { v, drone } = own();
    expect((await rig.client.uploadRoute(v, example('residential-loop'))).kind).toBe('success');
    const fence = await rig.client.download(v, 'fence');
    expect(fence.items!.map((i) => [i.command, i.param1, i.x, i.y])).toEqual([
      [5001, 4, 283750000, 1213745000],
      [5001, 4, 283750000, 1213850000],
      [5001, 4, 283655000, 1213850000],
      [5001, 4, 283655000, 1213745000],
    ]);
    expect((await rig.client.download(v, 'rally')).items!.map((i) => [i.command, i.x, i.y, i.z])).toEqual([[5100, 283728000, 1213792000, 30]]);
    for (const type of ['fence', 'rally', 'mission'] as const) expect((await rig.client.clear(v, type)).kind).toBe('success');
    expect([drone.storedItems(0).length, drone.storedItems(1).length, drone.storedItems(2).length]).toEqual([1, 0, 0]); // home stays
    expect((await rig.client.download(v, 'fence')).items).toEqual([]);
  });

  it('under 20 % loss both ways, a route with fence and rally points arrives and verifies', async ({ expect }) => {
    const { v, drone } = own();
    drone.setLinkFaults({ loss: 0.2 });
    const r = await rig.client.uploadRoute(v, example('residential-loop'));
    drone.setLinkFaults({});
    expect(r.kind, r.message).toBe('success');
    expect(r.verified).toEqual(['mission', 'fence', 'rally']);
  }, 180_000);

  it("a failed upload leaves the stored route file and the store's copy exactly as they were", async ({ expect }) => {
    const { v, drone } = own();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-failed-upload-'));
    fs.copyFileSync(path.join(REPO, 'missions', 'night-market.plan'), path.join(dir, 'night-market.plan'));
    const store = new RouteStore(dir);
    await store.open();
    try {
      const bytes = fs.readFileSync(path.join(dir, 'night-market.plan'));
      const before = structuredClone(store.get('night-market')!.route!);
      drone.addMissionFault({ kind: 'upload-error-ack', seq: 4, result: 5 });
      const r = await rig.client.uploadRoute(v, store.get('night-market')!.route!);
      expect(r.message).toBe(
        `night-market → ${v.id}: mission upload failed at mission item 3 (night-market.plan mission.items[2]): the vehicle refused item 3: INVALID (a parameter is invalid)`,
      );
      expect(fs.readFileSync(path.join(dir, 'night-market.plan')).equals(bytes)).toBe(true);
      expect(store.get('night-market')!.route).toEqual(before);
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
