import { common, minimal } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { CommandSender } from '../../server/vehicles/commands.ts';
import { TelemetryRates } from '../../server/vehicles/telemetry-rates.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { is, scriptedVehicle } from '../helpers/scripted-vehicle.ts';

/**
 * Telemetry rates for PX4 (server/vehicles/telemetry-rates.ts) in simulated time, against a
 * scripted autopilot that answers each SET_MESSAGE_INTERVAL as the test says: what the map and
 * the rules read at the rates they read it, the streams nothing reads turned off with -1, one
 * request at a time, and every refusal or silence kept in the vehicle's view of its link.
 */

const cleanup = cleanupAfterEach();
const { CommandLong, CommandAck, MavCmd, MavResult } = common;
const SET_MESSAGE_INTERVAL = MavCmd.SET_MESSAGE_INTERVAL;
const isInterval = is(CommandLong, (m) => m.command === SET_MESSAGE_INTERVAL);

/** A PX4 answering every rate request at once with `answer(msgid)`, or not at all when it says null. */
async function px4(answer: (msgid: number) => number | null) {
  const fc = fakeClock();
  const peer = await scriptedVehicle(fc, { autopilot: minimal.MavAutopilot.PX4, customMode: 0x03040000 });
  cleanup.push(() => peer.close());
  peer.on((m) => {
    if (!isInterval(m)) return;
    const result = answer((m as common.CommandLong)._param1);
    if (result !== null) peer.send(Object.assign(new CommandAck(), { command: SET_MESSAGE_INTERVAL, result, targetSystem: 255, targetComponent: 190 }));
  });
  const rates = new TelemetryRates(peer.fleet, new CommandSender(peer.fleet, 255, fc.clock));
  cleanup.push(() => rates.close());
  const asked = () => peer.got(CommandLong, (c) => c.command === SET_MESSAGE_INTERVAL).map((c) => [c._param1, c._param2]);
  return { fc, peer, v: peer.vehicle, rates, asked };
}

describe('telemetry rates asked of PX4, every answer read', () => {
  it('asks for what is read at its rate and turns off the five 50 Hz streams nothing reads, one request at a time', async () => {
    const { fc, v, rates, asked, peer } = await px4(() => MavResult.ACCEPTED);
    rates.askAll(v);
    await fc.advance(1000);
    expect(asked()).toEqual([
      [33, 250_000],
      [74, 500_000],
      [1, 1_000_000],
      [24, 1_000_000],
      [30, 1_000_000],
      [31, -1],
      [36, -1],
      [83, -1],
      [32, -1],
      [85, -1],
    ]);
    // Each went only after the answer to the one before (10 ms each way here): never two in flight.
    const at = peer.gotAt(CommandLong, (c) => c.command === SET_MESSAGE_INTERVAL);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(20);
    expect(v.view(0).link.refusedRates).toEqual([]);
  });

  it("a refused rate and an unanswered one show in the vehicle's link state; asked again when the link comes back, and cleared once taken", async () => {
    let refuse = true;
    const { fc, v, peer, asked } = await px4((id) => (!refuse ? MavResult.ACCEPTED : id === 36 ? MavResult.FAILED : id === 83 ? null : MavResult.ACCEPTED));
    const changed: number[] = [];
    peer.fleet.on('changed', (veh, parts) => {
      if (veh === v) changed.push(parts);
    });
    peer.fleet.emit('found', v); // as the fleet does at the first HEARTBEAT
    await fc.advance(10_000);
    expect(v.view(0).link.refusedRates).toEqual([
      { message: 'SERVO_OUTPUT_RAW', hz: null, result: 'FAILED' },
      { message: 'ATTITUDE_TARGET', hz: null, result: 'NO_ANSWER' },
    ]);
    // The silent one was tried three times (1.5 s each), and then the next was asked.
    expect(asked().filter(([id]) => id === 83)).toHaveLength(3);
    expect(asked().at(-1)).toEqual([85, -1]);
    expect(changed.length).toBeGreaterThanOrEqual(2);

    refuse = false;
    const before = asked().length;
    peer.fleet.emit('regained', v); // a rebooted autopilot has forgotten what it was asked
    await fc.advance(2000);
    expect(asked().length - before).toBe(10);
    expect(v.view(0).link.refusedRates).toEqual([]);
  });

  it("ArduPilot is not asked message by message (REQUEST_DATA_STREAM is the fleet's, with no answer to read)", async () => {
    const fc = fakeClock();
    const peer = await scriptedVehicle(fc, { autopilot: minimal.MavAutopilot.ARDUPILOTMEGA });
    cleanup.push(() => peer.close());
    const rates = new TelemetryRates(peer.fleet, new CommandSender(peer.fleet, 255, fc.clock));
    cleanup.push(() => rates.close());
    rates.askAll(peer.vehicle);
    await fc.advance(5000);
    expect(peer.got(CommandLong)).toEqual([]);
    expect(peer.got(common.RequestDataStream).map((r) => [r.reqStreamId, r.reqMessageRate])).toEqual([[common.MavDataStream.ALL, 4]]);
  });
});
