import { common } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { MissionClient } from '../../server/missions/protocol/client.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { is, scriptedVehicle } from '../helpers/scripted-vehicle.ts';
import { ACK, asksFor, fakeMissionRig, hundredRows, itemSeq, missionAck, request } from './fake-rig.ts';

/**
 * Every branch of the mission upload (server/missions/protocol/transfer.ts upload()), one fault
 * per test, against the simulator's ArduPilot mission model in simulated time: 10 ms each way,
 * the spec's 1.5 s / 250 ms timeouts and 5 retries, ArduPilot's re-request after 1 s and
 * abandon after 8 s. Each runs in milliseconds and ends the same way on any machine.
 */

const setup = fakeMissionRig();
const cleanup = cleanupAfterEach();
const { MissionCount, MissionItemInt, MissionAck, MissionRequest } = common;
const N = 101;

describe('mission upload, one fault at a time (simulated time)', () => {
  it('clean: every item sent once, in order, and the final ACK ends it', async () => {
    const { fc, drone, v, client } = await setup();
    const done: number[] = [];
    const r = await fc.run(client.upload(v, 'mission', hundredRows(), { onProgress: (p) => done.push(p.done) }));
    expect(r).toEqual({ kind: 'success', message: '101 items uploaded' });
    expect(drone.got(MissionCount)).toHaveLength(1);
    expect(drone.got(MissionItemInt).map((m) => m.seq)).toEqual([...Array(N).keys()]);
    expect(done.at(-1)).toBe(N);
    expect(drone.server.mission).toHaveLength(N);
  });

  it('MISSION_COUNT lost once: sent again after 1.5 s, then the upload goes through', async () => {
    const { fc, drone, v, client } = await setup();
    drone.drop('up', is(MissionCount), 1);
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r.kind).toBe('success');
    const [first, second] = drone.gotAt(MissionCount);
    expect(drone.gotAt(MissionCount)).toHaveLength(2);
    expect(second! - first!).toBe(1500);
  });

  it('MISSION_COUNT never answered: 6 of them 1.5 s apart, then a timeout at the count step', async () => {
    const { fc, drone, v, client } = await setup();
    drone.drop('up', is(MissionCount));
    const start = fc.elapsed();
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({ kind: 'timeout', step: 'count', message: 'no MISSION_REQUEST after 6 MISSION_COUNTs (101 items): is the vehicle listening?' });
    expect(drone.got(MissionCount)).toHaveLength(6);
    expect(fc.elapsed() - start).toBe(6 * 1500);
  });

  it("an item lost on its way up: sent again after 250 ms, before the vehicle's own 1 s re-request", async () => {
    const { fc, drone, v, client } = await setup();
    drone.drop('up', is(MissionItemInt, itemSeq(5)), 1);
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r.kind).toBe('success');
    const [sent, resent] = drone.gotAt(MissionItemInt, itemSeq(5));
    expect(resent! - sent!).toBe(250);
    expect(drone.sent.filter(asksFor(5))).toHaveLength(1); // the vehicle never had to ask again
  });

  it('a request lost on its way down: the last item is resent, the vehicle answers INVALID_SEQUENCE and asks again; the upload goes on', async () => {
    const { fc, drone, v, client } = await setup();
    drone.drop('down', asksFor(5), 1);
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r.kind).toBe('success');
    expect(drone.sent.filter(is(MissionAck, (a) => a.type === ACK.INVALID_SEQUENCE)).length).toBeGreaterThan(0);
    expect(drone.got(MissionItemInt, itemSeq(4)).length).toBeGreaterThan(1);
    expect(drone.server.mission).toHaveLength(N);
  });

  it('a request duplicated on the radio: the item goes once, not twice', async () => {
    const { fc, drone, v, client } = await setup();
    drone.duplicate('down', asksFor(5), 1);
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r.kind).toBe('success');
    expect(drone.got(MissionItemInt, itemSeq(5))).toHaveLength(1);
    expect(drone.sent.filter(is(MissionAck, (a) => a.type === ACK.INVALID_SEQUENCE))).toEqual([]);
  });

  it('the vehicle drops item 7 and asks for it again at once: the answer crossing ours is not doubled, the resend after 250 ms goes through', async () => {
    const { fc, drone, v, client } = await setup();
    drone.faults.add({ kind: 'upload-repeat-request', seq: 7 }, { times: 1 });
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r.kind).toBe('success');
    const [sent, resent] = drone.gotAt(MissionItemInt, itemSeq(7));
    expect(drone.got(MissionItemInt, itemSeq(7))).toHaveLength(2);
    expect(resent! - sent!).toBe(250 + 2 * 10); // the immediate re-request (20 ms round trip) is ignored
  });

  it('out of order: asked for item 6 where 5 was due, the vehicle refuses 6 with INVALID_SEQUENCE and asks for 5; the upload goes on', async () => {
    const { fc, drone, v, client } = await setup();
    drone.faults.add({ kind: 'upload-skip-request', seq: 5 }, { times: 1 });
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r.kind).toBe('success');
    expect(drone.sent.filter(is(MissionAck, (a) => a.type === ACK.INVALID_SEQUENCE)).length).toBeGreaterThan(0);
    expect(drone.got(MissionItemInt).map((m) => m.seq).slice(5, 8)).toEqual([6, 6, 6]); // 6, then resent twice before the re-request for 5
    expect(drone.server.mission).toHaveLength(N);
  });

  it('a request past the end is not answered; the vehicle asks again for the right item and the upload goes on', async () => {
    const { fc, drone, v, client } = await setup();
    drone.faults.add({ kind: 'upload-out-of-range-request', seq: 9 }, { times: 1 });
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r.kind).toBe('success');
    expect(drone.sent.filter(asksFor(N))).toHaveLength(1);
    expect(drone.got(MissionItemInt, (m) => m.seq >= N)).toEqual([]);
  });

  it('asked past the end, then silence: the timeout names what the vehicle asked for', async () => {
    const { fc, drone, v, client } = await setup();
    drone.alter('down', asksFor(9), () => [request(N)], 1);
    drone.drop('down', (m) => m instanceof MissionAck || asksFor(9)(m)); // and nothing more comes down
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({
      kind: 'timeout',
      step: 'item',
      seq: 9,
      message: 'no request for item 9 of 101 in 9 s after item 8 (the vehicle asked for item 101, past the end)',
    });
  });

  it('the link dies mid-upload: a timeout at the item step after 9 s without progress, item 49 resent every 250 ms meanwhile', async () => {
    const { fc, drone, v, client } = await setup();
    drone.drop('down', (m) => m instanceof MissionAck || ((m instanceof MissionRequest) && m.seq >= 50));
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({ kind: 'timeout', step: 'item', seq: 50, message: 'no request for item 50 of 101 in 9 s after item 49' });
    const at49 = drone.gotAt(MissionItemInt, itemSeq(49));
    expect(at49.at(-1)! - at49[0]!).toBeLessThanOrEqual(9000);
    expect(at49.length).toBe(1 + 36); // 9 s of 250 ms resends
  });

  it('an error ACK that ends the transfer (ArduPilot gave up at item 11): refused, once no request follows for 1.5 s', async () => {
    const { fc, drone, v, client } = await setup();
    drone.faults.add({ kind: 'upload-error-ack', seq: 11 });
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({ kind: 'error', code: ACK.ERROR, name: 'ERROR', seq: 10, message: 'the vehicle refused item 10: ERROR (generic error)' });
    const ackAt = drone.sent.findIndex(is(MissionAck));
    expect(ackAt).toBeGreaterThan(0);
    expect(drone.got(MissionItemInt).at(-1)!.seq).toBe(10); // nothing resent while waiting for the vehicle to go on
  });

  it('an error ACK mid-transfer that the vehicle carries on after (as ArduPilot may): forgotten, a later lost item is resent as usual', async () => {
    const { fc, drone, v, client } = await setup();
    drone.alter('down', asksFor(20), (m) => [missionAck(ACK.ERROR), m], 1);
    drone.drop('up', is(MissionItemInt, itemSeq(30)), 1);
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({ kind: 'success', message: '101 items uploaded' });
    const [sent, resent] = drone.gotAt(MissionItemInt, itemSeq(30));
    expect(resent! - sent!).toBe(250); // as without the refusal: not waiting 1.5 s for the vehicle to go on
  });

  it('the vehicle accepts before it has every item: an incomplete mission, said as such', async () => {
    const { fc, drone, v, client } = await setup();
    drone.faults.add({ kind: 'upload-early-ack', seq: 13 });
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({
      kind: 'invalid_sequence',
      seq: 14,
      message: 'the vehicle accepted the upload after only 14 of 101 items: it holds an incomplete mission',
    });
  });

  it('final ACK lost: the resent last item meets a vehicle that has finished, which answers ERROR; a timeout at the ack step', async () => {
    const { fc, drone, v, client } = await setup();
    drone.drop('down', is(MissionAck, (a) => a.type === ACK.ACCEPTED), 1);
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({
      kind: 'timeout',
      step: 'ack',
      message: 'all 101 items sent; no final MISSION_ACK, and the vehicle answered the resent last item with ERROR',
    });
    expect(drone.server.mission).toHaveLength(N); // it did arrive
  });

  it('final ACK lost and nothing more heard: a timeout at the ack step after 9 s', async () => {
    const { fc, drone, v, client } = await setup();
    drone.drop('down', is(MissionAck));
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({ kind: 'timeout', step: 'ack', message: 'all 101 items sent, but no final MISSION_ACK came' });
  });

  it('NO_SPACE: too many rally points, refused at the count', async () => {
    const { fc, v, client } = await setup({ limits: { rally: 10 } });
    const rows = Array.from({ length: 11 }, (_, seq) => ({ ...hundredRows()[1]!, seq, command: 5100, frame: 3, current: 0 }));
    const r = await fc.run(client.upload(v, 'rally', rows));
    expect(r).toEqual({ kind: 'no_space', message: 'the vehicle refused the upload of 11 items: NO_SPACE (too many items for its storage)' });
  });

  it('DENIED: another ground station is uploading to the vehicle', async () => {
    const { fc, drone, v, client } = await setup();
    drone.server.handle(Object.assign(new MissionCount(), { count: 5, missionType: 0 }), { sysid: 200, compid: 190 });
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({
      kind: 'denied',
      message: 'the vehicle refused the upload of 101 items: DENIED (another ground station may be transferring, or the vehicle is busy)',
    });
  });

  it('no items: the count alone, accepted', async () => {
    const { fc, drone, v, client } = await setup();
    const r = await fc.run(client.upload(v, 'fence', []));
    expect(r).toEqual({ kind: 'success', message: '0 items uploaded' });
    expect(drone.got(MissionItemInt)).toEqual([]);
  });

  it('ACKs meant for another ground station, or for another mission type, do not end our upload', async () => {
    const { fc, drone, v, client } = await setup();
    drone.alter('down', asksFor(30), (m) => [missionAck(ACK.ACCEPTED, 0, 200), missionAck(ACK.ACCEPTED, 1), m], 1);
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({ kind: 'success', message: '101 items uploaded' });
  });

  it("a vehicle asking with MISSION_REQUEST_INT (PX4's and the spec's way) is answered the same", async () => {
    const { fc, drone, v, client } = await setup({ requestInt: true });
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r.kind).toBe('success');
    expect(drone.sent.filter(is(common.MissionRequestInt))).toHaveLength(N);
  });

  it('cancelled by the ground station: the vehicle is told OPERATION_CANCELLED and stops waiting', async () => {
    const { fc, drone, v, client } = await setup();
    const r = fc.run(client.upload(v, 'mission', hundredRows(), {
      onProgress: (p) => {
        if (p.done === 20) client.cancel(v);
      },
    }));
    expect(await r).toEqual({ kind: 'cancelled', message: 'cancelled by the ground station' });
    await fc.advance(2000);
    expect(drone.got(MissionAck).map((a) => a.type)).toEqual([ACK.OPERATION_CANCELLED]);
    expect(drone.server.mission.length).toBeLessThan(N);
  });
});

describe('an item the vehicle never takes (issue 13: the result must not depend on which timer fires first)', () => {
  it('ArduPilot gives up after 8 s, before our 9 s: refused at item 7 with OPERATION_CANCELLED', async () => {
    const { fc, drone, v, client } = await setup();
    drone.faults.add({ kind: 'upload-repeat-request', seq: 7 });
    const r = await fc.run(client.upload(v, 'mission', hundredRows()));
    expect(r).toEqual({
      kind: 'error',
      code: ACK.OPERATION_CANCELLED,
      name: 'OPERATION_CANCELLED',
      seq: 7,
      message: 'the vehicle refused item 7: OPERATION_CANCELLED (the vehicle gave up on the transfer)',
    });
  });

  it('a vehicle that never gives up and keeps asking for item 7: fails at item 7, saying so', async () => {
    const fc = fakeClock();
    const peer = await scriptedVehicle(fc);
    const client = new MissionClient(peer.fleet, { clock: fc.clock });
    cleanup.push(() => peer.close(), () => client.close());
    // It drops item 7 every time and asks for it again at once, and again each second.
    let next = -1;
    peer.on((m) => {
      if (m instanceof MissionCount) next = 0;
      else if (!(m instanceof MissionItemInt) || next < 0) return;
      else if (m.seq !== next) return peer.send(missionAck(ACK.INVALID_SEQUENCE));
      else if (m.seq !== 7) next++;
      peer.send(request(next));
    });
    fc.every(1000, () => {
      if (next >= 0) peer.send(request(next));
    });
    const r = await fc.run(client.upload(peer.vehicle, 'mission', hundredRows()));
    expect(r).toEqual({ kind: 'timeout', step: 'item', seq: 7, message: 'the vehicle keeps asking for item 7 again: it does not take it' });
  });
});
