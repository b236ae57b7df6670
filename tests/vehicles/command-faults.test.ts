import { common } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { CommandSender } from '../../server/vehicles/commands.ts';
import { id, said, verbatim } from '../../server/wire/messages.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { is, scriptedVehicle } from '../helpers/scripted-vehicle.ts';

/**
 * Every branch of CommandSender (server/vehicles/commands.ts) in simulated time, against a
 * scripted autopilot on the MAVLink message level (10 ms each way): COMMAND_ACK as ArduPilot
 * sends it, STATUSTEXT reasons before or just after a refusal, IN_PROGRESS, and lost messages.
 */

const cleanup = cleanupAfterEach();
const { CommandLong, CommandInt, CommandAck, MavResult, MavCmd } = common;
const ARM = MavCmd.COMPONENT_ARM_DISARM;

type Answer = (cmd: common.CommandLong | common.CommandInt, reply: (m: common.CommandAck | common.StatusText, afterMs?: number) => void) => void;

/** A scripted autopilot answering commands as `answer` says, and a CommandSender on the same fake clock. */
async function setup(answer: Answer) {
  const fc = fakeClock();
  const peer = await scriptedVehicle(fc);
  cleanup.push(() => peer.close());
  peer.on((m) => {
    if (!(m instanceof CommandLong || m instanceof CommandInt)) return;
    answer(m, (reply, afterMs = 0) => {
      if (afterMs) fc.clock.setTimeout(() => peer.send(reply), afterMs);
      else peer.send(reply);
    });
  });
  const start = fc.elapsed();
  return { fc, peer, v: peer.vehicle, sender: new CommandSender(peer.fleet, 255, fc.clock), since: () => fc.elapsed() - start };
}

const ack = (command: number, result: number, progress = 0, targetSystem = 255) =>
  Object.assign(new CommandAck(), { command, result, progress, targetSystem, targetComponent: 190 });
const text = (severity: number, t: string) => Object.assign(new common.StatusText(), { severity, text: t });
/** when each COMMAND_LONG reached the vehicle, ms after setup */
const sentAt = (peer: Awaited<ReturnType<typeof setup>>['peer']) => peer.gotAt(CommandLong);

describe('commands with acknowledgement (simulated time)', () => {
  it('accepted at once: one COMMAND_LONG, confirmation 0, to the autopilot', async () => {
    const { fc, peer, v, sender } = await setup((cmd, reply) => reply(ack(cmd.command, MavResult.ACCEPTED)));
    expect(await fc.run(sender.send(v, { command: ARM, params: [1] }))).toEqual({ result: 'accepted' });
    const [sent] = peer.got(CommandLong);
    expect([peer.got(CommandLong).length, sent!.confirmation, sent!._param1, sent!.targetSystem, sent!.targetComponent]).toEqual([1, 0, 1, 1, 1]);
  });

  it('ACK lost twice: sent again every 1.5 s with confirmation counted up, accepted at the third', async () => {
    const { fc, peer, v, sender } = await setup((cmd, reply) => reply(ack(cmd.command, MavResult.ACCEPTED)));
    peer.drop('down', is(CommandAck), 2);
    expect(await fc.run(sender.send(v, { command: ARM, params: [1] }))).toEqual({ result: 'accepted' });
    expect(peer.got(CommandLong).map((c) => c.confirmation)).toEqual([0, 1, 2]);
    const at = sentAt(peer);
    expect([at[1]! - at[0]!, at[2]! - at[1]!]).toEqual([1500, 1500]);
  });

  it('nobody answers: a timeout after 5 attempts of 1.5 s, confirmation 0 to 4', async () => {
    const { fc, peer, v, sender, since } = await setup(() => {});
    const out = await fc.run(sender.send(v, { command: ARM, params: [1] }));
    expect(out).toEqual({
      result: 'timeout',
      attempts: 5,
      reason: 'COMPONENT_ARM_DISARM: no answer from mem-1 after 5 attempts of 1500 ms',
      said: said('command_no_answer', { command: id('COMPONENT_ARM_DISARM'), vehicle: 'mem-1', attempts: 5, ms: 1500 }),
    });
    expect(peer.got(CommandLong).map((c) => c.confirmation)).toEqual([0, 1, 2, 3, 4]);
    expect(since()).toBe(5 * 1500);
  });

  it('attempts and the wait per attempt can be set', async () => {
    const { fc, peer, v, sender, since } = await setup(() => {});
    const out = await fc.run(sender.send(v, { command: ARM, params: [1] }, { attempts: 2, timeoutMs: 400 }));
    expect(out).toMatchObject({ result: 'timeout', attempts: 2 });
    expect([peer.got(CommandLong).length, since()]).toEqual([2, 800]);
  });

  it('IN_PROGRESS is followed to the result, with its progress, and stops the retries', async () => {
    const { fc, peer, v, sender } = await setup((cmd, reply) => {
      reply(ack(cmd.command, MavResult.IN_PROGRESS, 30));
      reply(ack(cmd.command, MavResult.IN_PROGRESS, 255), 5000); // 255: progress unknown
      reply(ack(cmd.command, MavResult.ACCEPTED), 10_000);
    });
    const progress: (number | null)[] = [];
    expect(await fc.run(sender.send(v, { command: ARM, params: [1] }, { onProgress: (p) => progress.push(p) }))).toEqual({ result: 'accepted' });
    expect(progress).toEqual([30, null]);
    expect(peer.got(CommandLong)).toHaveLength(1);
  });

  it('IN_PROGRESS and then nothing: a timeout 30 s after the last progress', async () => {
    const { fc, v, sender, since } = await setup((cmd, reply) => reply(ack(cmd.command, MavResult.IN_PROGRESS, 10)));
    const out = await fc.run(sender.send(v, { command: ARM, params: [1] }));
    expect(out).toEqual({
      result: 'timeout',
      attempts: 1,
      reason: 'COMPONENT_ARM_DISARM: still in progress after 30000 ms',
      said: said('command_still_in_progress', { command: id('COMPONENT_ARM_DISARM'), ms: 30_000 }),
    });
    expect(since()).toBe(20 + 30_000);
  });

  it('DENIED with the reason the autopilot gave in STATUSTEXT just before', async () => {
    const { fc, v, sender, since } = await setup((cmd, reply) => {
      reply(text(2, 'Arm: Need Position Estimate'));
      reply(ack(cmd.command, MavResult.FAILED));
    });
    expect(await fc.run(sender.send(v, { command: ARM, params: [1] }))).toEqual({
      result: 'denied',
      code: 'FAILED',
      reason: 'COMPONENT_ARM_DISARM FAILED: Arm: Need Position Estimate',
      // the autopilot's words kept as its own inside ours
      said: said('command_denied_texts', { command: id('COMPONENT_ARM_DISARM'), result: id('FAILED'), texts: [verbatim('Arm: Need Position Estimate')] }),
    });
    expect(since()).toBeLessThanOrEqual(20 + 1); // the reason was there: no wait for one (a 0 ms timer is 1 ms)
  });

  it('a reason arriving just after the refusal is waited for (150 ms) and given', async () => {
    const { fc, v, sender } = await setup((cmd, reply) => {
      reply(ack(cmd.command, MavResult.DENIED));
      reply(text(4, 'PreArm: Throttle too high'), 100);
    });
    expect(await fc.run(sender.send(v, { command: ARM, params: [1] }))).toEqual({
      result: 'denied',
      code: 'DENIED',
      reason: 'COMPONENT_ARM_DISARM DENIED: PreArm: Throttle too high',
      said: said('command_denied_texts', { command: id('COMPONENT_ARM_DISARM'), result: id('DENIED'), texts: [verbatim('PreArm: Throttle too high')] }),
    });
  });

  it('a refusal without a reason: said 150 ms later; information texts (severity above WARNING) are no reason', async () => {
    const { fc, v, sender, since } = await setup((cmd, reply) => {
      reply(text(6, 'EKF3 IMU0 is using GPS'));
      reply(ack(cmd.command, MavResult.UNSUPPORTED));
    });
    expect(await fc.run(sender.send(v, { command: ARM, params: [1] }))).toEqual({
      result: 'denied',
      code: 'UNSUPPORTED',
      reason: 'COMPONENT_ARM_DISARM UNSUPPORTED',
      said: said('command_denied', { command: id('COMPONENT_ARM_DISARM'), result: id('UNSUPPORTED') }),
    });
    expect(since()).toBe(20 + 150);
  });

  it('a refusal arriving late in an attempt is final: the refused command is not sent again', async () => {
    // The autopilot answers 1.42 s after each command: DENIED the first time, ACCEPTED after.
    let answers = 0;
    const { fc, peer, v, sender } = await setup((cmd, reply) => {
      reply(ack(cmd.command, answers++ === 0 ? MavResult.DENIED : MavResult.ACCEPTED), 1420);
    });
    const out = await fc.run(sender.send(v, { command: ARM, params: [1] }));
    await fc.advance(3000);
    expect(out).toMatchObject({ result: 'denied', code: 'DENIED' });
    expect(peer.got(CommandLong)).toHaveLength(1);
  });

  it('ACKs for another command, or addressed to another ground station, are not the answer', async () => {
    const { fc, v, sender } = await setup((cmd, reply) => {
      reply(ack(cmd.command, MavResult.DENIED, 0, 200));
      reply(ack(MavCmd.NAV_TAKEOFF, MavResult.FAILED));
      reply(ack(cmd.command, MavResult.ACCEPTED), 300); // after the 150 ms a refusal waits for its reason
    });
    expect(await fc.run(sender.send(v, { command: ARM, params: [1] }))).toEqual({ result: 'accepted' });
  });

  it('one of each command at a time per vehicle: the same again is BUSY, another command goes', async () => {
    const { fc, v, sender } = await setup((cmd, reply) => reply(ack(cmd.command, MavResult.ACCEPTED), 500));
    const first = sender.send(v, { command: ARM, params: [1] });
    expect(await fc.run(sender.send(v, { command: ARM, params: [1] }))).toEqual({
      result: 'denied',
      code: 'BUSY',
      reason: 'COMPONENT_ARM_DISARM already in progress for mem-1',
      said: said('command_busy', { command: id('COMPONENT_ARM_DISARM'), vehicle: 'mem-1' }),
    });
    const other = sender.send(v, { command: MavCmd.NAV_TAKEOFF, params: [0, 0, 0, 0, 0, 0, 20] });
    expect(await fc.run(Promise.all([first, other]))).toEqual([{ result: 'accepted' }, { result: 'accepted' }]);
    expect(await fc.run(sender.send(v, { command: ARM, params: [1] }))).toEqual({ result: 'accepted' }); // free again
  });

  it('cancelled meanwhile: nothing more is sent; already cancelled: nothing at all', async () => {
    const { fc, peer, v, sender } = await setup(() => {});
    const ctl = new AbortController();
    const out = sender.send(v, { command: ARM, params: [1] }, { signal: ctl.signal });
    await fc.advance(2000);
    ctl.abort();
    expect(await fc.run(out)).toEqual({
      result: 'cancelled',
      reason: 'COMPONENT_ARM_DISARM cancelled',
      said: said('command_cancelled', { command: id('COMPONENT_ARM_DISARM') }),
    });
    await fc.advance(10_000);
    expect(peer.got(CommandLong)).toHaveLength(2);
    expect(await fc.run(sender.send(v, { command: ARM, params: [1] }, { signal: AbortSignal.abort() }))).toMatchObject({ result: 'cancelled' });
    expect(peer.got(CommandLong)).toHaveLength(2);
  });

  it('a command with a position goes as COMMAND_INT (degrees as degE7) and is retried the same way', async () => {
    const { fc, peer, v, sender } = await setup((cmd, reply) => reply(ack(cmd.command, MavResult.ACCEPTED)));
    peer.drop('up', is(CommandInt), 1);
    const goto = {
      command: MavCmd.DO_REPOSITION,
      params: [-1, 1],
      int: { frame: common.MavFrame.GLOBAL_RELATIVE_ALT_INT, lat: 28.3712345, lon: 121.3798765, alt: 40 },
    };
    expect(await fc.run(sender.send(v, goto))).toEqual({ result: 'accepted' });
    const sent = peer.got(CommandInt);
    expect(sent.map((c) => [c.frame, c._param5, c._param6, c._param7, c._param1, c._param2])).toEqual([
      [6, 283712345, 1213798765, 40, -1, 1],
      [6, 283712345, 1213798765, 40, -1, 1],
    ]);
    expect(peer.got(CommandLong)).toEqual([]);
  });
});
