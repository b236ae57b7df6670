import { common } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { is } from '../helpers/scripted-vehicle.ts';
import { ACK, fakeMissionRig, hundredRows, missionAck } from './fake-rig.ts';

/**
 * Every branch of download() and clear() (server/missions/protocol/transfer.ts), one fault per
 * test, against the simulator's ArduPilot mission model in simulated time (10 ms each way).
 */

const setup = fakeMissionRig();
const { MissionCount, MissionItemInt, MissionAck, MissionRequestList, MissionRequestInt, MissionClearAll } = common;
const N = 101;

/** A drone holding the 100-item route, uploaded through the client. */
async function withMission(opts: Parameters<typeof setup>[0] = {}) {
  const rig = await setup(opts);
  const up = await rig.fc.run(rig.client.upload(rig.v, 'mission', hundredRows()));
  if (up.kind !== 'success') throw new Error(`setup upload: ${up.message}`);
  rig.drone.received.length = 0;
  return rig;
}

const requestsFor = (seq: number) => (m: common.MissionRequestInt) => m.seq === seq;

describe('mission download, one fault at a time (simulated time)', () => {
  it("clean: every item asked for once, item 0 is the vehicle's real home, and the download is acknowledged", async () => {
    const { fc, drone, v, client } = await withMission();
    const r = await fc.run(client.download(v, 'mission'));
    expect([r.kind, r.message, r.items?.length]).toEqual(['success', '101 items downloaded', N]);
    expect([r.items![0]!.x, r.items![0]!.y]).toEqual([283725000, 1213801000]);
    expect(drone.got(MissionRequestList)).toHaveLength(1);
    expect(drone.got(MissionRequestInt).map((m) => m.seq)).toEqual([...Array(N).keys()]);
    await fc.advance(100);
    expect(drone.got(MissionAck).map((a) => a.type)).toEqual([ACK.ACCEPTED]);
  });

  it('count 0 (no fence): done at the count, acknowledged, no item asked for', async () => {
    const { fc, drone, v, client } = await setup();
    const r = await fc.run(client.download(v, 'fence'));
    expect(r).toEqual({ kind: 'success', message: '0 items downloaded', items: [] });
    await fc.advance(100);
    expect(drone.got(MissionRequestInt)).toEqual([]);
    expect(drone.got(MissionAck, (a) => a.missionType === 1).map((a) => a.type)).toEqual([ACK.ACCEPTED]);
  });

  it('MISSION_COUNT lost once: the list is asked for again after 1.5 s', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.faults.add({ kind: 'download-no-count' }, { times: 1 });
    const r = await fc.run(client.download(v, 'mission'));
    expect(r.kind).toBe('success');
    const [first, second] = drone.gotAt(MissionRequestList);
    expect(drone.got(MissionRequestList)).toHaveLength(2);
    expect(second! - first!).toBe(1500);
  });

  it('MISSION_COUNT never comes: 6 REQUEST_LISTs 1.5 s apart, then a timeout at the count step', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.faults.add({ kind: 'download-no-count' });
    const start = fc.elapsed();
    const r = await fc.run(client.download(v, 'mission'));
    expect(r).toEqual({ kind: 'timeout', step: 'count', message: 'no MISSION_COUNT after 6 MISSION_REQUEST_LISTs' });
    expect(drone.got(MissionRequestList)).toHaveLength(6);
    expect(fc.elapsed() - start).toBe(6 * 1500);
  });

  it('MISSION_COUNT duplicated (an answer to a resent list): the second is ignored, each item asked for once', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.duplicate('down', is(MissionCount), 1);
    const r = await fc.run(client.download(v, 'mission'));
    expect(r.items).toHaveLength(N);
    expect(drone.got(MissionRequestInt)).toHaveLength(N);
  });

  it('an item lost once: asked for again after 250 ms', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.faults.add({ kind: 'download-no-item', seq: 15 }, { times: 1 });
    const r = await fc.run(client.download(v, 'mission'));
    expect(r.kind).toBe('success');
    const [asked, again] = drone.gotAt(MissionRequestInt, requestsFor(15));
    expect(drone.got(MissionRequestInt, requestsFor(15))).toHaveLength(2);
    expect(again! - asked!).toBe(250);
  });

  it('an item that never comes: asked for every 250 ms, then a timeout at the item step after 9 s', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.faults.add({ kind: 'download-no-item', seq: 50 });
    const r = await fc.run(client.download(v, 'mission'));
    expect(r).toEqual({ kind: 'timeout', step: 'item', seq: 50, message: 'item 50 of 101 did not come in 9 s of asking' });
    expect(drone.got(MissionRequestInt, requestsFor(50))).toHaveLength(1 + 36);
  });

  it('the wrong item once (21 for 20): ignored and asked for again', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.faults.add({ kind: 'download-wrong-seq', seq: 20 }, { times: 1 });
    const r = await fc.run(client.download(v, 'mission'));
    expect(r.items!.map((i) => i.seq)).toEqual([...Array(N).keys()]);
  });

  it('the wrong item every time: the timeout says what came instead', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.faults.add({ kind: 'download-wrong-seq', seq: 20 });
    const r = await fc.run(client.download(v, 'mission'));
    expect(r).toEqual({ kind: 'timeout', step: 'item', seq: 20, message: 'item 20 of 101 did not come in 9 s of asking (the vehicle sent item 21 instead)' });
  });

  it('a late duplicate of an item already taken is ignored', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.duplicate('down', is(MissionItemInt, (m) => m.seq === 10), 1);
    const r = await fc.run(client.download(v, 'mission'));
    expect(r.items!.map((i) => i.seq)).toEqual([...Array(N).keys()]);
    expect(drone.got(MissionRequestInt)).toHaveLength(N);
  });

  it('an error ACK once instead of an item: asked for again, and the download goes on', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.faults.add({ kind: 'download-error-ack', seq: 30 }, { times: 1 });
    const r = await fc.run(client.download(v, 'mission'));
    expect(r.kind).toBe('success');
    expect(drone.got(MissionRequestInt, requestsFor(30))).toHaveLength(2);
  });

  it("an error ACK every time: refused, with the vehicle's answer, after 6 of them", async () => {
    const { fc, drone, v, client } = await withMission();
    drone.faults.add({ kind: 'download-error-ack', seq: 30 });
    const r = await fc.run(client.download(v, 'mission'));
    expect(r).toEqual({ kind: 'error', code: ACK.ERROR, name: 'ERROR', seq: 30, message: 'the vehicle refused item 30 of 101: ERROR (generic error)' });
    expect(drone.sent.filter(is(MissionAck, (a) => a.type === ACK.ERROR))).toHaveLength(6);
  });

  it('the list refused again and again (another ground station is uploading): DENIED, not a timeout', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.server.handle(Object.assign(new MissionCount(), { count: 5, missionType: 0 }), { sysid: 200, compid: 190 });
    const r = await fc.run(client.download(v, 'mission'));
    expect(r).toEqual({
      kind: 'denied',
      message: 'the vehicle refused the mission list: DENIED (another ground station may be transferring, or the vehicle is busy)',
    });
  });

  it('the list refused once, then silence: the retries run out and the refusal is what is reported', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.alter('down', is(MissionCount), () => [missionAck(ACK.DENIED)], 1);
    drone.drop('down', is(MissionCount));
    const r = await fc.run(client.download(v, 'mission'));
    expect(r.kind).toBe('denied');
    expect(drone.got(MissionRequestList)).toHaveLength(6);
  });

  it('cancelled by the ground station: the vehicle is told OPERATION_CANCELLED', async () => {
    const { fc, drone, v, client } = await withMission();
    const r = await fc.run(client.download(v, 'mission', {
      onProgress: (p) => {
        if (p.done === 40) client.cancel(v);
      },
    }));
    expect(r).toEqual({ kind: 'cancelled', message: 'cancelled by the ground station' });
    await fc.advance(100);
    expect(drone.got(MissionAck).map((a) => a.type)).toEqual([ACK.OPERATION_CANCELLED]);
    expect(drone.got(MissionRequestInt)).toHaveLength(41);
  });
});

describe('clearing a mission type (simulated time)', () => {
  it('clean: accepted; ArduPilot keeps only its home', async () => {
    const { fc, drone, v, client } = await withMission();
    expect(await fc.run(client.clear(v, 'mission'))).toEqual({ kind: 'success', message: 'cleared' });
    expect(drone.server.mission).toHaveLength(1);
  });

  it('CLEAR_ALL lost once: sent again after 1.5 s', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.drop('up', is(MissionClearAll), 1);
    expect((await fc.run(client.clear(v, 'mission'))).kind).toBe('success');
    const [first, second] = drone.gotAt(MissionClearAll);
    expect(second! - first!).toBe(1500);
  });

  it('never answered: a timeout after 6 CLEAR_ALLs', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.drop('up', is(MissionClearAll));
    expect(await fc.run(client.clear(v, 'mission'))).toEqual({ kind: 'timeout', step: 'clear', message: 'no MISSION_ACK after 6 MISSION_CLEAR_ALLs' });
    expect(drone.got(MissionClearAll)).toHaveLength(6);
  });

  it("refused (ArduPilot will not clear a mission it is flying): the vehicle's answer, named", async () => {
    const { fc, v, client } = await withMission({ missionRunning: true });
    expect(await fc.run(client.clear(v, 'mission'))).toEqual({
      kind: 'error',
      code: ACK.ERROR,
      name: 'ERROR',
      message: 'the vehicle refused the clear: ERROR (generic error)',
    });
  });

  it('a stray INVALID_SEQUENCE (from an earlier transfer) does not count as the answer', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.alter('down', is(MissionAck, (a) => a.type === ACK.ACCEPTED), (m) => [missionAck(ACK.INVALID_SEQUENCE), m], 1);
    expect(await fc.run(client.clear(v, 'mission'))).toEqual({ kind: 'success', message: 'cleared' });
  });

  it('cancelled by the ground station', async () => {
    const { fc, drone, v, client } = await withMission();
    drone.drop('up', is(MissionClearAll));
    const r = client.clear(v, 'mission');
    client.cancel(v);
    expect(await fc.run(r)).toEqual({ kind: 'cancelled', message: 'cancelled by the ground station' });
  });
});
