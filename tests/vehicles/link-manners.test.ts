import { common } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { scriptedVehicle } from '../helpers/scripted-vehicle.ts';

/** How the station behaves on the link, with a scripted autopilot (sysid 1) on a fake clock. */

const cleanup = cleanupAfterEach();

async function setup() {
  const fc = fakeClock();
  const peer = await scriptedVehicle(fc);
  cleanup.push(() => peer.close());
  return { fc, peer };
}

const ping = (seq: number, targetSystem: number, targetComponent: number) =>
  Object.assign(new common.Ping(), { seq, timeUsec: 10_088_000n + BigInt(seq) * 10_000_000n, targetSystem, targetComponent });

describe('manners on the link', () => {
  it('a PING request (target 0/0) is answered at once with its seq and time_usec, addressed to the sender', async () => {
    const { fc, peer } = await setup();
    const sentAt = fc.elapsed();
    peer.send(ping(4, 0, 0));
    await fc.advance(100);
    expect(peer.got(common.Ping).map((p) => [p.seq, p.timeUsec, p.targetSystem, p.targetComponent])).toEqual([[4, 50_088_000n, 1, 1]]);
    expect(peer.gotAt(common.Ping)).toEqual([sentAt + 20]); // 10 ms each way: answered on arrival
  });

  it('a PING with a target is an answer: never answered, whoever it is for', async () => {
    const { fc, peer } = await setup();
    peer.send(ping(1, 255, 190));
    peer.send(ping(2, 7, 0));
    peer.send(ping(3, 0, 1));
    await fc.advance(100);
    expect(peer.got(common.Ping)).toEqual([]);
  });

  it('a command the vehicle addresses to itself goes to no handler; one addressed to us does', async () => {
    const { fc, peer } = await setup();
    const handed: number[] = [];
    peer.fleet.onMessage(peer.vehicle.id, common.CommandLong, (c) => handed.push(c.targetSystem));
    const cmd = (targetSystem: number) =>
      Object.assign(new common.CommandLong(), { command: common.MavCmd.NAV_RETURN_TO_LAUNCH, targetSystem, targetComponent: 0 });
    peer.send(cmd(1));
    peer.send(cmd(255));
    await fc.advance(20);
    expect(handed).toEqual([255]);
  });
});
