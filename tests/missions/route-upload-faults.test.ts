import { common } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import type { RouteProgress, RouteUploadResult } from '../../server/missions/protocol/client.ts';
import type { MissionFault } from '../../server/sim/mission-faults.ts';
import { Prng } from '../../server/sim/prng.ts';
import { is } from '../helpers/scripted-vehicle.ts';
import { ACK, fakeMissionRig } from './fake-rig.ts';
import { example, hundredItems } from './routes-for-tests.ts';

/**
 * MissionClient.uploadRoute() in simulated time: upload, read back and compare per mission
 * type, whole attempts again while the failure looks like a bad link, and the message a pilot
 * reads. Every fault of the simulator's ArduPilot model, once (survived) and for good (a
 * precise failure); these ran in real time against the simulator before (9-19 s each).
 */

const setup = fakeMissionRig();
const { MissionCount, MissionItemInt } = common;

const attemptsOf = (progress: RouteProgress[]) => Math.max(0, ...progress.map((p) => p.attempt));

describe('route upload and verify (simulated time)', () => {
  it('a route with fence and rally points: each type uploaded, read back and compared', async () => {
    const { fc, drone, v, client } = await setup();
    const uploaded: RouteUploadResult[] = [];
    client.on('uploaded', (_v, r) => uploaded.push(r));
    const r = await fc.run(client.uploadRoute(v, example('residential-loop')));
    expect(r).toEqual({
      kind: 'success',
      message: 'residential-loop → mem-1: mission, fence, rally uploaded and read back identical',
      verified: ['mission', 'fence', 'rally'],
    });
    expect(drone.server.items(1).map((i) => [i.command, i.param1])).toEqual([[5001, 4], [5001, 4], [5001, 4], [5001, 4]]);
    expect(uploaded).toEqual([r]);
  });

  it('the final ACK lost: the read-back shows the mission arrived, so it counts, in one attempt', async () => {
    const { fc, drone, v, client } = await setup();
    drone.drop('down', is(common.MissionAck, (a) => a.type === ACK.ACCEPTED), 1);
    const progress: RouteProgress[] = [];
    const r = await fc.run(client.uploadRoute(v, hundredItems(), { onProgress: (p) => progress.push(p) }));
    expect(r.kind, r.message).toBe('success');
    expect(attemptsOf(progress)).toBe(1);
  });

  it('a read-back that differs (altitude of item 4): tried again, then said exactly', async () => {
    const { fc, drone, v, client } = await setup();
    drone.alter('down', is(MissionItemInt, (m) => m.seq === 4), (m) => [Object.assign(m, { z: (m as common.MissionItemInt).z + 5 })]);
    const r = await fc.run(client.uploadRoute(v, hundredItems()));
    expect(r).toMatchObject({ kind: 'verify_mismatch', seq: 4, field: 'altitude', expected: '40', got: '45', verified: [] });
    expect(r.message).toBe(
      'hundred → mem-1: mission verify failed at mission item 4 (hundred.plan mission.items[3]) (after 3 attempts): read back altitude 45 where 40 was sent',
    );
    expect(drone.got(MissionCount)).toHaveLength(3);
  });

  it('content the vehicle refuses is not tried again: UNSUPPORTED for a command ArduCopter lacks, named by its place in the file', async () => {
    const { fc, drone, v, client } = await setup();
    const camera = example('riverside');
    camera.items.splice(2, 0, { command: 2000, frame: 2, params: [0, 0, 1, 0], lat: 0, lon: 0, alt: 0, autocontinue: true });
    camera.source.locations.splice(2, 0, 'mission.items[2]');
    const r = await fc.run(client.uploadRoute(v, camera));
    expect(r.message).toBe(
      'riverside → mem-1: mission upload failed at mission item 3 (riverside.plan mission.items[2]): the vehicle refused item 3: UNSUPPORTED (the vehicle does not support this command or mission type)',
    );
    expect(drone.got(MissionCount)).toHaveLength(1);
  });

  it('NO_SPACE for too many rally points: the mission stays verified, the rally upload is not tried again', async () => {
    const { fc, drone, v, client } = await setup();
    const crowded = example('night-market');
    crowded.rally = Array.from({ length: 11 }, (_, i) => ({ lat: 28.371 + i * 1e-4, lon: 121.38, alt: 30 }));
    const r = await fc.run(client.uploadRoute(v, crowded));
    expect([r.kind, r.type, r.verified]).toEqual(['no_space', 'rally', ['mission']]);
    expect(r.message).toBe('night-market → mem-1: rally upload failed: the vehicle refused the upload of 11 items: NO_SPACE (too many items for its storage)');
    expect(drone.got(MissionCount, (m) => m.missionType === 2)).toHaveLength(1);
  });

  it('a route that cannot be encoded fails before anything is sent', async () => {
    const { fc, drone, v, client } = await setup();
    const far = example('riverside');
    far.items[1]!.lat = 1000;
    const r = await fc.run(client.uploadRoute(v, far));
    expect(r).toEqual({
      kind: 'error',
      code: -1,
      name: 'ENCODING',
      message: 'riverside: item 2 latitude/param5 1000 does not fit MISSION_ITEM_INT',
      type: 'mission',
      verified: [],
    });
    expect(drone.got(MissionCount)).toEqual([]);
  });

  it('one transfer per drone: a second gets BUSY; cancel stops the first, and the drone takes the next upload', async () => {
    const { fc, drone, v, client } = await setup();
    const first = client.uploadRoute(v, hundredItems(), {
      onProgress: (p) => {
        if (p.op === 'upload' && p.done === 20) client.cancel(v);
      },
    });
    expect(await client.uploadRoute(v, example('riverside'))).toEqual({
      kind: 'busy',
      message: 'a mission transfer with mem-1 is already running',
      verified: [],
    });
    expect(client.isBusy(v)).toBe(true);
    const r = await fc.run(first);
    expect(r.message).toBe('hundred → mem-1: mission upload failed: cancelled by the ground station');
    expect(client.isBusy(v)).toBe(false);
    expect(client.cancel(v)).toBe(false);
    expect((await fc.run(client.uploadRoute(v, example('riverside')))).kind).toBe('success');
    expect(drone.server.mission).toHaveLength(example('riverside').items.length + 1);
  });

  it('a signal already aborted: cancelled before anything is sent', async () => {
    const { fc, drone, v, client } = await setup();
    const r = await fc.run(client.uploadRoute(v, hundredItems(), { signal: AbortSignal.abort() }));
    expect(r.kind).toBe('cancelled');
    expect(drone.got(MissionItemInt)).toEqual([]);
  });

  /** Faults of the simulator's model that go away after one transfer: the route arrives, in this many attempts. */
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
    it(`survives ${fault.kind} once, in ${attempts} attempt(s)`, async () => {
      const { fc, drone, v, client } = await setup();
      drone.faults.add(fault, { times: 1 });
      const progress: RouteProgress[] = [];
      const r = await fc.run(client.uploadRoute(v, hundredItems(), { onProgress: (p) => progress.push(p) }));
      expect(r.kind, r.message).toBe('success');
      expect(drone.faults.list()).toEqual([]); // the fault did happen
      expect(attemptsOf(progress)).toBe(attempts);
    });
  }

  /** Faults that never go away: the upload fails, saying where and why, the same way on any machine. */
  const FOREVER: [MissionFault, string][] = [
    [
      { kind: 'upload-no-request' },
      'mission upload failed (after 2 attempts): no MISSION_REQUEST after 6 MISSION_COUNTs (101 items): is the vehicle listening?',
    ],
    // ArduPilot abandons after 8 s without the item, before our 9 s: its OPERATION_CANCELLED is the answer (issue 13).
    [
      { kind: 'upload-repeat-request', seq: 7 },
      'mission upload failed at mission item 7 (hundred.plan mission.items[6]) (after 2 attempts): the vehicle refused item 7: OPERATION_CANCELLED (the vehicle gave up on the transfer)',
    ],
    [
      { kind: 'upload-error-ack', seq: 11 },
      'mission upload failed at mission item 10 (hundred.plan mission.items[9]) (after 2 attempts): the vehicle refused item 10: ERROR (generic error)',
    ],
    [
      { kind: 'upload-error-ack', seq: 11, result: 3 },
      'mission upload failed at mission item 10 (hundred.plan mission.items[9]): the vehicle refused item 10: UNSUPPORTED (the vehicle does not support this command or mission type)',
    ],
    [
      { kind: 'upload-early-ack', seq: 13 },
      'mission upload failed at mission item 14 (hundred.plan mission.items[13]) (after 2 attempts): the vehicle accepted the upload after only 14 of 101 items: it holds an incomplete mission',
    ],
    [{ kind: 'download-no-count' }, 'mission read-back failed (after 2 attempts): no MISSION_COUNT after 6 MISSION_REQUEST_LISTs'],
    [
      { kind: 'download-no-item', seq: 50 },
      'mission read-back failed at mission item 50 (hundred.plan mission.items[49]) (after 2 attempts): item 50 of 101 did not come in 9 s of asking',
    ],
    [
      { kind: 'download-wrong-seq', seq: 20 },
      'mission read-back failed at mission item 20 (hundred.plan mission.items[19]) (after 2 attempts): item 20 of 101 did not come in 9 s of asking (the vehicle sent item 21 instead)',
    ],
    [
      { kind: 'download-error-ack', seq: 30 },
      'mission read-back failed at mission item 30 (hundred.plan mission.items[29]) (after 2 attempts): the vehicle refused item 30 of 101: ERROR (generic error)',
    ],
  ];
  for (const [fault, message] of FOREVER) {
    it(`${fault.kind}${'seq' in fault ? ` at ${fault.seq}` : ''}${'result' in fault ? ` (${fault.result})` : ''} for good: fails with a precise reason`, async () => {
      const { fc, drone, v, client } = await setup({ attempts: 2 });
      drone.faults.add(fault);
      const r = await fc.run(client.uploadRoute(v, hundredItems()));
      expect(r.message).toBe(`hundred → mem-1: ${message}`);
      expect(r.verified).toEqual([]);
    });
  }

  it('faults that spoil only the first request, and a lost final ACK, cannot stop an upload even for good', async () => {
    for (
      const fault of [{ kind: 'upload-skip-request', seq: 5 }, { kind: 'upload-out-of-range-request', seq: 9 }, {
        kind: 'upload-no-final-ack',
      }] as MissionFault[]
    ) {
      const { fc, drone, v, client } = await setup();
      drone.faults.add(fault);
      const r = await fc.run(client.uploadRoute(v, hundredItems()));
      expect(r.kind, `${fault.kind}: ${r.message}`).toBe('success');
    }
  });

  it('under 20 % loss both ways (seeded), a 100-item route and a route with fence and rally points arrive and verify: 6 seeds', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const { fc, drone, v, client } = await setup();
      const prng = new Prng(seed);
      drone.drop('up', () => prng.chance(0.2));
      drone.drop('down', () => prng.chance(0.2));
      for (const route of [hundredItems(), example('residential-loop')]) {
        const r = await fc.run(client.uploadRoute(v, route));
        expect(r.kind, `seed ${seed}: ${r.message}`).toBe('success');
      }
    }
  });
});
