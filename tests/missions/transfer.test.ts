import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissionClient, type RouteProgress } from '../../server/missions/protocol/client.ts';
import { RouteStore } from '../../server/missions/store.ts';
import type { MissionFault } from '../../server/sim/mission-faults.ts';
import { REPO } from '../helpers/shared.ts';
import { missionRig } from './rig.ts';
import { example, hundredItems } from './routes-for-tests.ts';

/**
 * The mission client against simulated ArduCopters over real UDP sockets: every mission-transfer
 * fault the simulator has, once (survived) and for good (a precise failure), and 20 % loss both ways.
 * Each test has a drone of its own, so they run side by side.
 */

type Rig = Awaited<ReturnType<typeof missionRig>>;
let rig: Rig;
const DRONES = 40;

/** Permanent faults fail the same way every time: two attempts show the retry without doubling the wait. */
let twoAttempts: MissionClient;
beforeAll(async () => {
  rig = await missionRig(DRONES);
  twoAttempts = new MissionClient(rig.fleet, { attempts: 2 });
}, 60_000);
afterAll(async () => {
  twoAttempts?.close();
  await rig?.close();
});

let nextSysid = 1;
/** A drone no other test uses. */
function own() {
  const sysid = nextSysid++;
  if (sysid > DRONES) throw new Error('not enough simulated drones for the tests: raise DRONES');
  return { v: rig.vehicle(sysid), drone: rig.drone(sysid) };
}

/** The highest attempt number seen in progress reports. */
function attemptsOf(progress: RouteProgress[]): number {
  return Math.max(0, ...progress.map((p) => p.attempt));
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
      expect(stored.slice(1).map((i) => [i.command, i.x, i.y, i.z])).toEqual(route.items.map((i) => [i.command, Math.round(i.lat * 1e7), Math.round(i.lon * 1e7), i.alt]));
      if (id === 'residential-loop') {
        expect(r.verified).toEqual(['mission', 'fence', 'rally']);
        expect(drone.storedItems(1).map((i) => [i.command, i.param1])).toEqual([[5001, 4], [5001, 4], [5001, 4], [5001, 4]]);
        expect(drone.storedItems(2)).toHaveLength(1);
      } else {
        expect(r.verified).toEqual(['mission']);
      }
    }
  });

  it('a 100-item route uploads and verifies; the read-back starts with the drone\'s real home', async ({ expect }) => {
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
    expect([down.items![0]!.x, down.items![0]!.y, down.items![0]!.z]).toEqual([Math.round(home.lat * 1e7), Math.round(home.lon * 1e7), Math.fround(home.altMsl)]);
    expect(down.items!.at(-1)!.frame).toBe(0); // RTL went up in frame 2, ArduPilot returns 0
  });

  it('downloads and clears fence and rally points as well as the mission', async ({ expect }) => {
    const { v, drone } = own();
    expect((await rig.client.uploadRoute(v, example('residential-loop'))).kind).toBe('success');
    const fence = await rig.client.download(v, 'fence');
    expect(fence.items!.map((i) => [i.command, i.param1, i.x, i.y])).toEqual([
      [5001, 4, 283750000, 1213745000], [5001, 4, 283750000, 1213850000], [5001, 4, 283655000, 1213850000], [5001, 4, 283655000, 1213745000],
    ]);
    expect((await rig.client.download(v, 'rally')).items!.map((i) => [i.command, i.x, i.y, i.z])).toEqual([[5100, 283728000, 1213792000, 30]]);
    for (const type of ['fence', 'rally', 'mission'] as const) expect((await rig.client.clear(v, type)).kind).toBe('success');
    expect([drone.storedItems(0).length, drone.storedItems(1).length, drone.storedItems(2).length]).toEqual([1, 0, 0]); // home stays
    expect((await rig.client.download(v, 'fence')).items).toEqual([]);
  });

  const ONCE: [MissionFault, number][] = [
    [{ kind: 'upload-no-request' }, 1],
    [{ kind: 'upload-skip-request', seq: 5 }, 1],
    [{ kind: 'upload-repeat-request', seq: 7 }, 1],
    [{ kind: 'upload-out-of-range-request', seq: 9 }, 1],
    [{ kind: 'upload-error-ack', seq: 11 }, 2],
    [{ kind: 'upload-no-final-ack' }, 1],
    [{ kind: 'upload-early-ack', seq: 13 }, 2],
    [{ kind: 'download-no-count' }, 1],
    [{ kind: 'download-no-item', seq: 15 }, 1],
    [{ kind: 'download-wrong-seq', seq: 17 }, 1],
    [{ kind: 'download-error-ack', seq: 19 }, 1],
  ];
  for (const [fault, attempts] of ONCE) {
    it(`survives ${fault.kind} once, in ${attempts} attempt(s)`, async ({ expect }) => {
      const { v, drone } = own();
      drone.addMissionFault(fault, { times: 1 });
      const progress: RouteProgress[] = [];
      const r = await rig.client.uploadRoute(v, hundredItems(), { onProgress: (p) => progress.push(p) });
      expect(r.kind, r.message).toBe('success');
      expect(drone.status().missionFaults).toEqual([]); // the fault did happen
      expect(attemptsOf(progress)).toBe(attempts);
    });
  }

  /** Faults that never go away: the upload fails, saying where and why. */
  const FOREVER: [MissionFault, RegExp | string][] = [
    [{ kind: 'upload-no-request' }, 'hundred → sim-ID: mission upload failed (after 2 attempts): no MISSION_REQUEST after 6 MISSION_COUNTs (101 items): is the vehicle listening?'],
    // Whichever side gives up first on the endless re-requests (the drone after 8 s, we after 9) names it.
    [{ kind: 'upload-repeat-request', seq: 7 }, /^hundred → sim-ID: mission upload failed at mission item 7 \(hundred\.plan mission\.items\[6\]\) \(after 2 attempts\): the vehicle (refused item 7: OPERATION_CANCELLED \(the vehicle gave up on the transfer\)|keeps asking for item 7 again: it does not take it)$/],
    [{ kind: 'upload-error-ack', seq: 11 }, 'hundred → sim-ID: mission upload failed at mission item 10 (hundred.plan mission.items[9]) (after 2 attempts): the vehicle refused item 10: ERROR (generic error)'],
    [{ kind: 'upload-error-ack', seq: 11, result: 3 }, 'hundred → sim-ID: mission upload failed at mission item 10 (hundred.plan mission.items[9]): the vehicle refused item 10: UNSUPPORTED (the vehicle does not support this command or mission type)'],
    [{ kind: 'upload-early-ack', seq: 13 }, 'hundred → sim-ID: mission upload failed at mission item 14 (hundred.plan mission.items[13]) (after 2 attempts): the vehicle accepted the upload after only 14 of 101 items: it holds an incomplete mission'],
    [{ kind: 'download-no-count' }, 'hundred → sim-ID: mission read-back failed (after 2 attempts): no MISSION_COUNT after 6 MISSION_REQUEST_LISTs'],
    [{ kind: 'download-no-item', seq: 50 }, 'hundred → sim-ID: mission read-back failed at mission item 50 (hundred.plan mission.items[49]) (after 2 attempts): item 50 of 101 did not come in 9 s of asking'],
    [{ kind: 'download-wrong-seq', seq: 20 }, 'hundred → sim-ID: mission read-back failed at mission item 20 (hundred.plan mission.items[19]) (after 2 attempts): item 20 of 101 did not come in 9 s of asking (the vehicle sent item 21 instead)'],
    [{ kind: 'download-error-ack', seq: 30 }, 'hundred → sim-ID: mission read-back failed at mission item 30 (hundred.plan mission.items[29]) (after 2 attempts): the vehicle refused item 30 of 101: ERROR (generic error)'],
  ];
  for (const [fault, message] of FOREVER) {
    it(`${fault.kind}${'seq' in fault ? ` at ${fault.seq}` : ''}${'result' in fault ? ` (${fault.result})` : ''} for good: fails with a precise reason`, async ({ expect }) => {
      const { v, drone } = own();
      drone.addMissionFault(fault);
      const r = await twoAttempts.uploadRoute(v, hundredItems());
      drone.clearFaults();
      if (typeof message === 'string') expect(r.message).toBe(message.replace('sim-ID', v.id));
      else expect(r.message).toMatch(new RegExp(message.source.replace('sim-ID', v.id)));
      expect(r.verified).toEqual([]);
    }, 90_000);
  }

  it('faults that spoil only the first request, and a lost final ACK, cannot stop an upload even for good', async ({ expect }) => {
    const { v, drone } = own();
    for (const fault of [{ kind: 'upload-skip-request', seq: 5 }, { kind: 'upload-out-of-range-request', seq: 9 }, { kind: 'upload-no-final-ack' }] as MissionFault[]) {
      drone.addMissionFault(fault);
      const r = await rig.client.uploadRoute(v, hundredItems());
      drone.clearFaults();
      expect(r.kind, `${fault.kind}: ${r.message}`).toBe('success');
    }
  }, 90_000);

  it('refusals of content are not retried: NO_SPACE for too many rally points, UNSUPPORTED for a command ArduCopter lacks', async ({ expect }) => {
    const { v } = own();
    const crowded = example('night-market');
    crowded.rally = Array.from({ length: 11 }, (_, i) => ({ lat: 28.371 + i * 1e-4, lon: 121.38, alt: 30 }));
    const full = await rig.client.uploadRoute(v, crowded);
    expect([full.kind, full.type, full.verified]).toEqual(['no_space', 'rally', ['mission']]);
    expect(full.message).toBe(`night-market → ${v.id}: rally upload failed: the vehicle refused the upload of 11 items: NO_SPACE (too many items for its storage)`);

    const camera = example('riverside');
    camera.items.splice(2, 0, { command: 2000, frame: 2, params: [0, 0, 1, 0], lat: 0, lon: 0, alt: 0, autocontinue: true });
    camera.source.locations.splice(2, 0, 'mission.items[2]');
    const refused = await rig.client.uploadRoute(v, camera);
    expect(refused.message).toBe(`riverside → ${v.id}: mission upload failed at mission item 3 (riverside.plan mission.items[2]): the vehicle refused item 3: UNSUPPORTED (the vehicle does not support this command or mission type)`);
  });

  it('under 20 % loss both ways, a 100-item route still arrives and verifies', async ({ expect }) => {
    const { v, drone } = own();
    drone.setLinkFaults({ loss: 0.2 });
    const r = await rig.client.uploadRoute(v, hundredItems());
    drone.setLinkFaults({});
    expect(r.kind, r.message).toBe('success');
  }, 180_000);

  for (const [fault] of ONCE) {
    it(`under 20 % loss both ways and ${fault.kind} once, a route with fence and rally points arrives`, async ({ expect }) => {
      const { v, drone } = own();
      drone.setLinkFaults({ loss: 0.2 });
      drone.addMissionFault({ ...fault, ...('seq' in fault ? { seq: 2 } : {}) } as MissionFault, { times: 1 });
      const r = await rig.client.uploadRoute(v, example('residential-loop'));
      drone.setLinkFaults({});
      expect(r.kind, r.message).toBe('success');
      expect(r.verified).toEqual(['mission', 'fence', 'rally']);
    }, 180_000);
  }

  it('one transfer per drone: a second gets BUSY; cancel stops the first, and the drone takes the next upload', async ({ expect }) => {
    const { v, drone } = own();
    drone.setLinkFaults({ delayMs: 25 });
    let cancelled = false;
    const first = rig.client.uploadRoute(v, hundredItems(), {
      onProgress: (p) => {
        if (p.op === 'upload' && p.done >= 20 && !cancelled) cancelled = rig.client.cancel(v);
      },
    });
    const second = await rig.client.uploadRoute(v, example('riverside'));
    expect(second).toEqual({ kind: 'busy', message: `a mission transfer with ${v.id} is already running`, verified: [] });
    expect(rig.client.isBusy(v)).toBe(true);
    const r = await first;
    expect(r.kind).toBe('cancelled');
    expect(r.message).toMatch(/^hundred → sim-\d+: mission upload failed: cancelled by the ground station$/);
    expect(rig.client.isBusy(v)).toBe(false);
    drone.setLinkFaults({});
    const after = await rig.client.uploadRoute(v, example('riverside'));
    expect(after.kind, after.message).toBe('success');
  }, 60_000);

  it('a failed upload leaves the stored route file and the store\'s copy exactly as they were', async ({ expect }) => {
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
      expect(r.message).toBe(`night-market → ${v.id}: mission upload failed at mission item 3 (night-market.plan mission.items[2]): the vehicle refused item 3: INVALID (a parameter is invalid)`);
      expect(fs.readFileSync(path.join(dir, 'night-market.plan')).equals(bytes)).toBe(true);
      expect(store.get('night-market')!.route).toEqual(before);
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a vehicle that asks with MISSION_REQUEST_INT (PX4\'s way, the spec\'s)', () => {
  it('uploads and verifies the same', async () => {
    const px = await missionRig(1, { missionRequest: 'MISSION_REQUEST_INT', sysidBase: 50 });
    try {
      const r = await px.client.uploadRoute(px.vehicle(50), example('residential-loop'));
      expect(r.kind, r.message).toBe('success');
    } finally {
      await px.close();
    }
  }, 60_000);
});
