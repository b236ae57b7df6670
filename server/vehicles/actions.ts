import { common } from 'node-mavlink';
import { realClock, type Clock } from '../clock.ts';
import { profileOf } from './autopilots/index.ts';
import { id, said, type ServerMessage } from '../wire/messages.ts';
import { refused, type CommandOutcome, type CommandSender } from './commands.ts';
import type { Fleet } from './fleet.ts';
import type { Vehicle } from './vehicle.ts';

const { MavCmd } = common;

/** How long an accepted command may take to show in the aircraft's own telemetry. */
const CONFIRM_MS = 4000;

export type ActionOutcome = CommandOutcome | { result: 'unconfirmed'; reason: string; said: ServerMessage };

/**
 * Flight actions with their effect confirmed from the aircraft's own telemetry: an ACK only
 * says the autopilot took the command, the HEARTBEAT says whether the mode or arming changed.
 */
export class Actions {
  constructor(private readonly fleet: Fleet, private readonly commands: CommandSender, private readonly clock: Clock = realClock) {}

  /** Resolve once `check` holds on the vehicle (re-checked on every change), or after the timeout. */
  waitFor(v: Vehicle, check: () => boolean, timeoutMs = CONFIRM_MS): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onChange = (veh: Vehicle) => {
        if (veh === v && check()) done(true);
      };
      const timer = this.clock.setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        this.clock.clearTimeout(timer);
        this.fleet.off('changed', onChange);
        resolve(ok);
      };
      this.fleet.on('changed', onChange);
    });
  }

  async setMode(v: Vehicle, mode: string): Promise<ActionOutcome> {
    if (v.mode === mode) return { result: 'accepted' };
    const cmd = profileOf(v.autopilot).setMode(v.type, mode);
    if (!cmd)
      return refused({ result: 'denied', code: 'UNSUPPORTED', said: said('action_no_mode', { vehicle: v.id, autopilot: v.autopilot, mode: id(mode) }) });
    v.commandedMode = { mode, at: this.clock.now() };
    const out = await this.commands.send(v, cmd);
    if (out.result !== 'accepted') return out;
    return (await this.waitFor(v, () => v.mode === mode)) ?
      out
      : refused({ result: 'unconfirmed', said: said('action_mode_unconfirmed', { mode: id(mode), vehicle: v.id, now: id(v.mode) }) });
  }

  async arm(v: Vehicle, arm = true): Promise<ActionOutcome> {
    const out = await this.commands.send(v, { command: MavCmd.COMPONENT_ARM_DISARM, params: [arm ? 1 : 0] });
    if (out.result !== 'accepted') return out;
    return (await this.waitFor(v, () => v.armed === arm)) ?
      out
      : refused({ result: 'unconfirmed', said: said(arm ? 'action_arm_unconfirmed' : 'action_disarm_unconfirmed', { vehicle: v.id }) });
  }

  /** ArduPilot's MISSION_START from GUIDED and armed: it switches to AUTO and takes off. */
  async missionStart(v: Vehicle): Promise<ActionOutcome> {
    const auto = profileOf(v.autopilot).roles(v.type).mission;
    v.commandedMode = { mode: auto, at: this.clock.now() };
    const out = await this.commands.send(v, { command: MavCmd.MISSION_START, params: [0, 0] });
    if (out.result !== 'accepted') return out;
    return (await this.waitFor(v, () => v.mode === auto)) ?
      out
      : refused({ result: 'unconfirmed', said: said('action_start_unconfirmed', { vehicle: v.id, mode: id(v.mode) }) });
  }

  private role(v: Vehicle, role: 'hold' | 'rtl' | 'land' | 'mission'): Promise<ActionOutcome> {
    return this.setMode(v, profileOf(v.autopilot).roles(v.type)[role]);
  }

  pause(v: Vehicle): Promise<ActionOutcome> {
    return this.role(v, 'hold');
  }
  resume(v: Vehicle): Promise<ActionOutcome> {
    return this.role(v, 'mission');
  }
  returnHome(v: Vehicle): Promise<ActionOutcome> {
    return this.role(v, 'rtl');
  }
  land(v: Vehicle): Promise<ActionOutcome> {
    return this.role(v, 'land');
  }
}
