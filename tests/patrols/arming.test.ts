import { common, type MavLinkData } from 'node-mavlink';
import { afterEach, describe, expect, it } from 'vitest';
import { armPatiently } from '../../server/patrols/arming.ts';
import { Actions } from '../../server/vehicles/actions.ts';
import { CommandSender } from '../../server/vehicles/commands.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { scriptedVehicle } from '../helpers/scripted-vehicle.ts';

const { MavCmd, MavResult } = common;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/**
 * The start step a patrol launch and a goto from the ground share, against a scripted autopilot
 * on the fake clock: it answers the arm command with `answers` in turn (then ACCEPTED), and shows
 * armed in its HEARTBEAT once it accepted.
 */
async function rig(answers: number[], timing = { timeoutMs: 20_000, retryMs: 3000 }) {
  const fc = fakeClock();
  const sv = await scriptedVehicle(fc);
  const commands = new CommandSender(sv.fleet, 255, fc.clock);
  const actions = new Actions(sv.fleet, commands, fc.clock);
  const queue = [...answers];
  sv.on((msg: MavLinkData) => {
    if (!(msg instanceof common.CommandLong) || msg.command !== MavCmd.COMPONENT_ARM_DISARM) return;
    const result = queue.shift() ?? MavResult.ACCEPTED;
    const ack = new common.CommandAck();
    ack.command = msg.command;
    ack.result = result;
    sv.send(ack);
    if (result === MavResult.ACCEPTED) {
      sv.state.armed = true;
      sv.heartbeat();
    }
  });
  close = () => sv.close();
  const log: string[] = [];
  const start = fc.elapsed();
  const out = await fc.run(armPatiently(actions, sv.vehicle, {
    ...timing,
    clock: fc.clock,
    ended: () => false,
    armed: (n) => log.push(`armed ${n}`),
    refused: (n, reason) => log.push(`refused ${n}: ${reason}`),
    gaveUp: (reason) => log.push(`gave up: ${reason}`),
  }));
  return { out, log, tookMs: fc.elapsed() - start, attempts: sv.got(common.CommandLong, (m) => m.command === MavCmd.COMPONENT_ARM_DISARM).length };
}

describe('the shared start step: arming, asked again while the autopilot is not ready', () => {
  it('asks again every retry interval while it is denied, and is armed once the HEARTBEAT says so', async () => {
    const r = await rig([MavResult.DENIED, MavResult.DENIED]);
    expect(r.out).toBe(true);
    expect(r.attempts).toBe(3);
    expect(r.log.map((l) => l.split(':')[0])).toEqual(['refused 1', 'refused 2', 'armed 3']);
    // two waits of 3 s between the three attempts (plus the link's few ms)
    expect(r.tookMs).toBeGreaterThanOrEqual(6000);
    expect(r.tookMs).toBeLessThan(7000);
  });

  it('gives up at once on an answer that asking again cannot change (UNSUPPORTED)', async () => {
    const r = await rig([MavResult.UNSUPPORTED]);
    expect(r.out).toBe(false);
    expect(r.attempts).toBe(1);
    expect(r.log).toHaveLength(2);
    expect(r.log[1]).toMatch(/^gave up: /);
  });

  it('gives up when the next attempt would fall past the deadline, saying the last reason', async () => {
    const r = await rig(Array(20).fill(MavResult.DENIED), { timeoutMs: 10_000, retryMs: 3000 });
    expect(r.out).toBe(false);
    // attempts at 0, 3, 6 and 9 s; a fifth at 12 s would be past 10 s
    expect(r.attempts).toBe(4);
    expect(r.log.at(-1)).toMatch(/^gave up: /);
  });
});
