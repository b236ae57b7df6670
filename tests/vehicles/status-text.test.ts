import { common } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { Part } from '../../server/vehicles/vehicle.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { scriptedVehicle } from '../helpers/scripted-vehicle.ts';

/**
 * STATUSTEXT as the vehicle's panel and the alerts see it (Vehicle.messages), sent by a scripted
 * autopilot through the real Connection and Fleet on a fake clock: MAVLink 2's chunks (id,
 * chunk_seq) joined, a lost chunk waited for 2 s and then marked, whitespace trimmed.
 */

const cleanup = cleanupAfterEach();
const { MavSeverity } = common;

const chunk = (text: string, id = 0, chunkSeq = 0, severity: number = MavSeverity.INFO) =>
  Object.assign(new common.StatusText(), { severity, text, id, chunkSeq });
/** PX4's RTL text from the capture: exactly 50 characters, then a chunk that is only a tab. */
const RTL = 'RTL: start return at 41 m (30 m above destination)';

async function setup() {
  const fc = fakeClock();
  const peer = await scriptedVehicle(fc);
  cleanup.push(() => peer.close());
  const texts = () => peer.vehicle.messages.map((m) => m.text);
  /** send from the vehicle and let 20 ms pass (10 ms latency) */
  const send = async (...msgs: common.StatusText[]) => {
    for (const m of msgs) peer.send(m);
    await fc.advance(20);
  };
  return { fc, peer, texts, send };
}

describe('autopilot texts', () => {
  it('trailing tabs and spaces are trimmed (PX4 ends nearly every text with a tab), in any text', async () => {
    const { texts, send } = await setup();
    await send(chunk('Executing Mission\t', 3), chunk('EKF3 IMU0 is using GPS  '), chunk('Armed by external command\t', 2));
    expect(texts()).toEqual(['Executing Mission', 'EKF3 IMU0 is using GPS', 'Armed by external command']);
  });

  it("a 50-character chunk and the rest are one text: PX4's RTL message and its lone tab", async () => {
    const { peer, texts, send } = await setup();
    await send(chunk(RTL, 8, 0));
    expect(texts()).toEqual([]); // 50 characters, no NUL: more follows
    await send(chunk('\t', 8, 1));
    expect(texts()).toEqual([RTL]);
    expect(peer.vehicle.messageCount).toBe(1);
  });

  it('chunks arriving out of order, interleaved with another text, are joined by id', async () => {
    const { texts, send } = await setup();
    const long = `${'a'.repeat(50)}${'b'.repeat(50)}end`;
    await send(chunk('b'.repeat(50), 21, 1), chunk('short one', 22), chunk('end', 21, 2), chunk('a'.repeat(50), 21, 0));
    expect(texts()).toEqual(['short one', long]);
  });

  it('a chunk repeated by the link is taken once, also after its text was shown', async () => {
    const { fc, texts, send } = await setup();
    await send(chunk(RTL, 8, 0), chunk(RTL, 8, 0), chunk('\t', 8, 1), chunk('\t', 8, 1));
    await fc.advance(3000);
    expect(texts()).toEqual([RTL]);
  });

  it("a lost final chunk: after 2 s what came is shown, marked as cut off; the severity is the text's", async () => {
    const { fc, texts, send } = await setup();
    await send(chunk(RTL, 9, 0, MavSeverity.WARNING));
    await fc.advance(1900);
    expect(texts()).toEqual([]);
    await fc.advance(200);
    expect(texts()).toEqual([`${RTL}…`]);
    await send(chunk(' the rest, too late', 9, 1));
    await fc.advance(3000);
    expect(texts()).toEqual([`${RTL}…`]);
  });

  it('a lost middle chunk is marked where it was; a lost first chunk of nothing but a tab shows nothing', async () => {
    const { fc, peer, texts, send } = await setup();
    await send(chunk('a'.repeat(50), 30, 0), chunk('end', 30, 2));
    await send(chunk('\t', 31, 1));
    await fc.advance(2100);
    expect(texts()).toEqual([`${'a'.repeat(50)}…end`]);
    expect(peer.vehicle.messageCount).toBe(1);
  });

  it('a text cut off by the timeout reaches the listeners of the fleet (the alerts) like any other', async () => {
    const { fc, peer, send } = await setup();
    const changed: string[] = [];
    peer.fleet.on('changed', (v, parts) => {
      if (parts & Part.MESSAGES) changed.push(v.messages.at(-1)!.text);
    });
    await send(chunk(RTL, 40, 0, MavSeverity.CRITICAL));
    await fc.advance(2100);
    expect(changed).toEqual([`${RTL}…`]);
  });
});
