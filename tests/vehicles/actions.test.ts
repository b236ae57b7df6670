import { common, minimal } from 'node-mavlink';
import { id, said } from '../../server/wire/messages.ts';
import { describe, expect, it } from 'vitest';
import { Actions } from '../../server/vehicles/actions.ts';
import { CommandSender } from '../../server/vehicles/commands.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { scriptedVehicle } from '../helpers/scripted-vehicle.ts';

/**
 * Actions (server/vehicles/actions.ts) in simulated time: an accepted command counts only once
 * the aircraft's own HEARTBEAT (1 Hz) shows its effect within 4 s. The scripted autopilot
 * accepts, and then changes its state after `effectAfterMs` (never when null).
 */

const cleanup = cleanupAfterEach();
const { CommandLong, CommandAck, MavCmd, MavResult } = common;
const COPTER = { STABILIZE: 0, AUTO: 3, GUIDED: 4, RTL: 6, LAND: 9, BRAKE: 17 };

async function setup(opts: { result?: number; effectAfterMs?: number | null; autopilot?: number; customMode?: number } = {}) {
  const fc = fakeClock();
  const peer = await scriptedVehicle(fc, { autopilot: opts.autopilot, customMode: opts.customMode ?? COPTER.STABILIZE });
  cleanup.push(() => peer.close());
  const result = opts.result ?? MavResult.ACCEPTED;
  const effectAfterMs = opts.effectAfterMs === undefined ? 0 : opts.effectAfterMs;
  peer.on((m) => {
    if (!(m instanceof CommandLong)) return;
    peer.send(Object.assign(new CommandAck(), { command: m.command, result, targetSystem: 255, targetComponent: 190 }));
    if (result !== MavResult.ACCEPTED || effectAfterMs === null) return;
    const effect = () => {
      if (m.command === MavCmd.DO_SET_MODE) peer.state.customMode = m._param2;
      if (m.command === MavCmd.COMPONENT_ARM_DISARM) peer.state.armed = m._param1 === 1;
      if (m.command === MavCmd.MISSION_START) peer.state.customMode = COPTER.AUTO;
    };
    fc.clock.setTimeout(effect, effectAfterMs);
  });
  const start = fc.elapsed();
  const actions = new Actions(peer.fleet, new CommandSender(peer.fleet, 255, fc.clock), fc.clock);
  return { fc, peer, v: peer.vehicle, actions, since: () => fc.elapsed() - start };
}

describe('flight actions confirmed from telemetry (simulated time)', () => {
  it('a mode change accepted and shown by the next HEARTBEAT: accepted, and recorded as commanded from here', async () => {
    const { fc, peer, v, actions } = await setup();
    const asked = fc.clock.now();
    expect(await fc.run(actions.setMode(v, 'GUIDED'))).toEqual({ result: 'accepted' });
    expect(v.mode).toBe('GUIDED');
    expect(v.commandedMode).toEqual({ mode: 'GUIDED', at: asked });
    expect(peer.got(CommandLong).map((c) => [c.command, c._param1, c._param2])).toEqual([[
      MavCmd.DO_SET_MODE,
      minimal.MavModeFlag.CUSTOM_MODE_ENABLED,
      COPTER.GUIDED,
    ]]);
  });

  it('a mode change accepted but never shown: unconfirmed, 4 s after the ACK', async () => {
    const { fc, v, actions, since } = await setup({ effectAfterMs: null });
    const out = await fc.run(actions.setMode(v, 'GUIDED'));
    expect(out).toEqual({
      result: 'unconfirmed',
      reason: 'mode change to GUIDED accepted, but mem-1 still reports STABILIZE',
      said: said('action_mode_unconfirmed', { mode: id('GUIDED'), vehicle: 'mem-1', now: id('STABILIZE') }),
    });
    expect(since()).toBe(20 + 4000);
  });

  it('shown late but within 4 s counts; later does not', async () => {
    const soon = await setup({ effectAfterMs: 2500 }); // shown by the HEARTBEAT at 3 s
    expect(await soon.fc.run(soon.actions.setMode(soon.v, 'RTL'))).toEqual({ result: 'accepted' });
    const late = await setup({ effectAfterMs: 4100 }); // first shown at 5 s
    expect(await late.fc.run(late.actions.setMode(late.v, 'RTL'))).toMatchObject({ result: 'unconfirmed' });
  });

  it('already in that mode: accepted without a command', async () => {
    const { fc, peer, v, actions } = await setup({ customMode: COPTER.GUIDED });
    expect(await fc.run(actions.setMode(v, 'GUIDED'))).toEqual({ result: 'accepted' });
    expect(peer.got(CommandLong)).toEqual([]);
  });

  it('a mode the autopilot does not have: refused here, nothing sent', async () => {
    const { fc, peer, v, actions } = await setup();
    expect(await fc.run(actions.setMode(v, 'WARP'))).toEqual({
      result: 'denied',
      code: 'UNSUPPORTED',
      reason: 'mem-1 (ardupilot) has no mode WARP',
      said: said('action_no_mode', { vehicle: 'mem-1', autopilot: 'ardupilot', mode: id('WARP') }),
    });
    expect(peer.got(CommandLong)).toEqual([]);
  });

  it('a refused mode change is reported as the autopilot said, without waiting for telemetry', async () => {
    const { fc, v, actions, since } = await setup({ result: MavResult.DENIED });
    expect(await fc.run(actions.setMode(v, 'GUIDED'))).toMatchObject({ result: 'denied', code: 'DENIED' });
    expect(since()).toBe(20 + 150);
  });

  it('arming: confirmed by the armed flag in the HEARTBEAT, or unconfirmed', async () => {
    const ok = await setup();
    expect(await ok.fc.run(ok.actions.arm(ok.v))).toEqual({ result: 'accepted' });
    expect(ok.v.armed).toBe(true);
    const not = await setup({ effectAfterMs: null });
    expect(await not.fc.run(not.actions.arm(not.v))).toEqual({
      result: 'unconfirmed',
      reason: 'arming accepted, but mem-1 reports disarmed',
      said: said('action_arm_unconfirmed', { vehicle: 'mem-1' }),
    });
  });

  it('mission start: confirmed by the mode turning AUTO, or unconfirmed', async () => {
    const ok = await setup({ customMode: COPTER.GUIDED });
    expect(await ok.fc.run(ok.actions.missionStart(ok.v))).toEqual({ result: 'accepted' });
    expect(ok.peer.got(CommandLong).map((c) => [c.command, c._param1, c._param2])).toEqual([[MavCmd.MISSION_START, 0, 0]]);
    const not = await setup({ customMode: COPTER.GUIDED, effectAfterMs: null });
    expect(await not.fc.run(not.actions.missionStart(not.v))).toEqual({
      result: 'unconfirmed',
      reason: 'mission start accepted, but mem-1 reports mode GUIDED',
      said: said('action_start_unconfirmed', { vehicle: 'mem-1', mode: id('GUIDED') }),
    });
  });

  it('pause, resume, return and land ask ArduCopter for BRAKE, AUTO, RTL and LAND', async () => {
    const { fc, peer, v, actions } = await setup();
    for (const action of [actions.pause, actions.resume, actions.returnHome, actions.land]) {
      expect(await fc.run(action.call(actions, v))).toEqual({ result: 'accepted' });
    }
    expect(peer.got(CommandLong).map((c) => c._param2)).toEqual([COPTER.BRAKE, COPTER.AUTO, COPTER.RTL, COPTER.LAND]);
  });

  it('PX4: the mode goes as main and sub mode, and is confirmed from its custom_mode', async () => {
    const { fc, peer, v, actions } = await setup({ autopilot: minimal.MavAutopilot.PX4, customMode: 0x03040000, effectAfterMs: null });
    // PX4 reports main << 16 | sub << 24; the scripted vehicle shows what it was sent.
    peer.on((m) => {
      if (m instanceof CommandLong && m.command === MavCmd.DO_SET_MODE)
        fc.clock.setTimeout(() => {
          peer.state.customMode = (m._param2 << 16) | (m._param3 << 24);
        }, 1);
    });
    expect(v.mode).toBe('HOLD');
    expect(await fc.run(actions.returnHome(v))).toEqual({ result: 'accepted' });
    expect(peer.got(CommandLong, (c) => c.command === MavCmd.DO_SET_MODE).map((c) => [c._param2, c._param3])).toEqual([[4, 5]]);
    expect(v.mode).toBe('RETURN');
  });
});
