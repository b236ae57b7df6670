import { common, minimal, type MavLinkData } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../server/links/connection.ts';
import { Encoder } from '../../server/mavlink/codec.ts';
import { CommandSender } from '../../server/vehicles/commands.ts';
import { Fleet } from '../../server/vehicles/fleet.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { memoryLinkPair } from '../helpers/memory-link.ts';
import { scriptedVehicle } from '../helpers/scripted-vehicle.ts';

const cleanup = cleanupAfterEach();
const { CommandAck, MissionCurrent, GlobalPositionInt, MavResult, MavCmd } = common;

/** A real Fleet and Connection, and two vehicles (sysid 1 and 2) sending from the far end of one in-memory link. */
async function twoVehicles() {
  const fc = fakeClock();
  const [groundLink, vehicleLink] = memoryLinkPair(fc.clock, 10);
  const fleet = new Fleet({ sysid: 255, compid: 190 });
  const ground = new Connection('mem', groundLink, { sysid: 255, compid: 190 });
  fleet.addConnection(ground);
  await groundLink.open();
  await vehicleLink.open();
  cleanup.push(async () => {
    fleet.close();
    await ground.close();
    await vehicleLink.close();
  });
  const encoders = new Map([1, 2].map((sysid) => [sysid, new Encoder(sysid, 1, null)]));
  const send = async (sysid: number, ...msgs: MavLinkData[]) => {
    for (const m of msgs) vehicleLink.send(encoders.get(sysid)!.encode(m));
    await fc.advance(10);
  };
  const hb = Object.assign(new minimal.Heartbeat(), { type: minimal.MavType.QUADROTOR, autopilot: minimal.MavAutopilot.PX4, mavlinkVersion: 3 });
  await send(1, hb);
  await send(2, hb);
  expect([...fleet.vehicles.keys()]).toEqual(['mem-1', 'mem-2']);
  return { fleet, send };
}

const ack = (command: number) => Object.assign(new CommandAck(), { command, result: MavResult.ACCEPTED, targetSystem: 255, targetComponent: 190 });
const current = (seq: number) => Object.assign(new MissionCurrent(), { seq });

describe('message handlers by vehicle and message id', () => {
  it('a handler gets only its message id from its vehicle, typed, after the state took it', async () => {
    const { fleet, send } = await twoVehicles();
    const got: string[] = [];
    fleet.onMessage('mem-1', CommandAck, (m, { frame }) => got.push(`1 ack ${m.command} from ${frame.sysid}`));
    fleet.onMessage('mem-1', MissionCurrent, (m) => got.push(`1 current ${m.seq}, state says ${fleet.get('mem-1')!.missionSeq}`));
    fleet.onMessage('mem-2', CommandAck, (m, { frame }) => got.push(`2 ack ${m.command} from ${frame.sysid}`));
    await send(1, ack(MavCmd.COMPONENT_ARM_DISARM), current(3), new GlobalPositionInt());
    await send(2, ack(MavCmd.DO_SET_MODE), current(7));
    expect(got).toEqual([
      `1 ack ${MavCmd.COMPONENT_ARM_DISARM} from 1`,
      '1 current 3, state says 3',
      `2 ack ${MavCmd.DO_SET_MODE} from 2`,
    ]);
  });

  it('unsubscribing stops a handler and leaves the others; twice is harmless; nothing stays registered', async () => {
    const { fleet, send } = await twoVehicles();
    const a: number[] = [];
    const b: number[] = [];
    const offA = fleet.onMessage('mem-1', MissionCurrent, (m) => a.push(m.seq));
    const offB = fleet.onMessage('mem-1', MissionCurrent, (m) => b.push(m.seq));
    await send(1, current(1));
    offA();
    offA();
    await send(1, current(2));
    expect([a, b, fleet.handlerCount('mem-1')]).toEqual([[1], [1, 2], 1]);
    offB();
    await send(1, current(3));
    expect([b, fleet.handlerCount('mem-1')]).toEqual([[1, 2], 0]);
  });

  it('handlers may come and go while a message is handed out: a new one waits for the next, a removed one gets no more', async () => {
    const { fleet, send } = await twoVehicles();
    const calls: string[] = [];
    let offSecond = () => {};
    const offFirst = fleet.onMessage('mem-1', MissionCurrent, (m) => {
      calls.push(`first ${m.seq}`);
      offFirst();
      offSecond();
      fleet.onMessage('mem-1', MissionCurrent, (n) => calls.push(`added ${n.seq}`));
    });
    offSecond = fleet.onMessage('mem-1', MissionCurrent, (m) => calls.push(`second ${m.seq}`));
    await send(1, current(1), current(2));
    expect(calls).toEqual(['first 1', 'added 2']);
  });

  it('a command registers for its COMMAND_ACK only while it waits', async () => {
    const fc = fakeClock();
    const peer = await scriptedVehicle(fc);
    cleanup.push(() => peer.close());
    peer.on((m) => {
      if (m instanceof common.CommandLong) fc.clock.setTimeout(() => peer.send(ack(m.command)), 100);
    });
    const sender = new CommandSender(peer.fleet, 255, fc.clock);
    const out = sender.send(peer.vehicle, { command: MavCmd.COMPONENT_ARM_DISARM, params: [1] });
    await fc.advance(50);
    expect(peer.fleet.handlerCount('mem-1')).toBe(1);
    expect(await fc.run(out)).toEqual({ result: 'accepted' });
    expect(peer.fleet.handlerCount('mem-1')).toBe(0);
  });
});
