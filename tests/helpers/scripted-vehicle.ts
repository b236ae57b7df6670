import { minimal, type MavLinkData } from 'node-mavlink';
import { Connection, type Incoming } from '../../server/links/connection.ts';
import { Fleet } from '../../server/vehicles/fleet.ts';
import type { Vehicle } from '../../server/vehicles/vehicle.ts';
import type { FakeClock } from './fake-clock.ts';
import { memoryLinkPair } from './memory-link.ts';

/** Which way a message goes: from our ground station to the vehicle, or back. */
export type Direction = 'up' | 'down';

type Sender = { sysid: number; compid: number };
type Handler = (msg: MavLinkData, from: Sender) => void;

interface Rule {
  dir: Direction;
  match: (m: MavLinkData) => boolean;
  /** the messages that go on instead: [] drops it, [m, m] duplicates it */
  act: (m: MavLinkData) => MavLinkData[];
  left: number;
}

/** A message of this class, optionally also passing `and`. */
export function is<T extends MavLinkData>(cls: new() => T, and: (m: T) => boolean = () => true): (m: MavLinkData) => boolean {
  return (m) => m instanceof cls && and(m);
}

export interface ScriptedVehicleOptions {
  sysid?: number;
  /** HEARTBEAT autopilot: ArduPilot (3) or PX4 (12) */
  autopilot?: number;
  /** one-way delay of every message, in simulated ms */
  latencyMs?: number;
  customMode?: number;
  armed?: boolean;
}

/**
 * A MAVLink vehicle scripted by the test, talking to a real ground stack (Connection, Fleet)
 * over an in-process link on a fake clock. It sends HEARTBEAT at 1 Hz from its `state`, hands
 * every message from the ground station to the handlers the test registers (which answer as an
 * autopilot would), and applies scripted wire faults: a lost, duplicated or altered message in
 * either direction, a given number of times.
 */
export async function scriptedVehicle(fc: FakeClock, opts: ScriptedVehicleOptions = {}) {
  const sysid = opts.sysid ?? 1;
  const [groundLink, vehicleLink] = memoryLinkPair(fc.clock, opts.latencyMs ?? 10);
  const fleet = new Fleet({ sysid: 255, compid: 190 }, { clock: fc.clock });
  const ground = new Connection('mem', groundLink, { sysid: 255, compid: 190 });
  fleet.addConnection(ground);
  const conn = new Connection('vehicle', vehicleLink, { sysid, compid: 1 });
  await groundLink.open();
  await vehicleLink.open();

  const state = {
    autopilot: opts.autopilot ?? minimal.MavAutopilot.ARDUPILOTMEGA,
    type: minimal.MavType.QUADROTOR,
    customMode: opts.customMode ?? 0,
    armed: opts.armed ?? false,
    /** MAV_STATE to report instead of ACTIVE/STANDBY by the armed state (a failsafe: CRITICAL) */
    systemStatus: null as number | null,
  };
  const rules: Rule[] = [];
  const handlers: Handler[] = [];
  /** what our ground station sent (before any wire fault), and when: simulated ms since the clock was made */
  const received: { at: number; msg: MavLinkData }[] = [];
  /** what the vehicle sent, before any wire fault */
  const sent: MavLinkData[] = [];

  const through = (dir: Direction, m: MavLinkData): MavLinkData[] => {
    const rule = rules.find((r) => r.dir === dir && r.left > 0 && r.match(m));
    if (!rule) return [m];
    rule.left--;
    return rule.act(m);
  };

  conn.on('message', ({ frame, msg }: Incoming) => {
    if (!msg || frame.sysid !== 255) return;
    received.push({ at: fc.elapsed(), msg });
    for (const m of through('up', msg)) for (const h of handlers) h(m, { sysid: frame.sysid, compid: frame.compid });
  });

  const send = (m: MavLinkData) => {
    sent.push(m);
    for (const out of through('down', m)) conn.send(out);
  };

  const heartbeat = () => {
    const hb = new minimal.Heartbeat();
    hb.type = state.type;
    hb.autopilot = state.autopilot;
    hb.baseMode = (minimal.MavModeFlag.CUSTOM_MODE_ENABLED | (state.armed ? minimal.MavModeFlag.SAFETY_ARMED : 0)) as minimal.MavModeFlag;
    hb.customMode = state.customMode;
    hb.systemStatus = (state.systemStatus ?? (state.armed ? minimal.MavState.ACTIVE : minimal.MavState.STANDBY)) as minimal.MavState;
    hb.mavlinkVersion = 3;
    conn.send(hb); // heartbeats take no part in wire faults: they are not what a test scripts
  };
  heartbeat();
  const stopBeating = fc.every(1000, heartbeat);
  await fc.advance(opts.latencyMs ?? 10);
  const vehicle: Vehicle | undefined = fleet.get(`mem-${sysid}`);
  if (!vehicle) throw new Error("the scripted vehicle's HEARTBEAT did not reach the fleet");

  const rule = (dir: Direction, match: Rule['match'], act: Rule['act'], times: number) => {
    rules.push({ dir, match, act, left: times });
  };

  return {
    fleet,
    vehicle,
    state,
    received,
    sent,
    /** answer the ground station's messages (called for each one that got through) */
    on(handler: Handler): void {
      handlers.push(handler);
    },
    /** send a message to the ground station (through the wire faults) */
    send,
    heartbeat,
    /** lose matching messages going `dir`, `times` times (default: all of them) */
    drop(dir: Direction, match: Rule['match'], times = Infinity): void {
      rule(dir, match, () => [], times);
    },
    /** deliver matching messages twice */
    duplicate(dir: Direction, match: Rule['match'], times = Infinity): void {
      rule(dir, match, (m) => [m, m], times);
    },
    /** replace matching messages by what `act` returns */
    alter(dir: Direction, match: Rule['match'], act: Rule['act'], times = Infinity): void {
      rule(dir, match, act, times);
    },
    /** messages of this class our ground station sent, in order */
    got<T extends MavLinkData>(cls: new() => T, and: (m: T) => boolean = () => true): T[] {
      return received.map((r) => r.msg).filter((m): m is T => m instanceof cls && and(m));
    },
    /** when they reached the vehicle (simulated ms since the clock was made) */
    gotAt<T extends MavLinkData>(cls: new() => T, and: (m: T) => boolean = () => true): number[] {
      return received.filter((r) => r.msg instanceof cls && and(r.msg as T)).map((r) => r.at);
    },
    async close(): Promise<void> {
      stopBeating();
      fleet.close();
      await ground.close();
      await conn.close();
    },
  };
}

export type ScriptedVehicle = Awaited<ReturnType<typeof scriptedVehicle>>;
