import { common, minimal, type MavLinkData } from 'node-mavlink';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Squadron } from '../../server/sim/squadron.ts';
import { profileOf } from '../../server/vehicles/autopilots/index.ts';
import { describeWithFixtures } from '../helpers/shared.ts';
import { readCapture, type CaptureRec } from './capture.ts';
import { readySquadron, type GroundStation } from './gcs.ts';

const { MavCmd, MavResult } = common;
const CIRCLE = 7;
const GUIDED = 4;

/** A command the capture's ground station sent, in its form, and what ArduCopter answered. */
interface Asked {
  t: number;
  form: 'long' | 'int';
  command: number;
  msg: common.CommandLong | common.CommandInt;
  result: number;
}

function askedIn(recs: CaptureRec[]): Asked[] {
  const out: Asked[] = [];
  recs.forEach((r, i) => {
    if (r.sysid !== 255 || !(r.msg instanceof common.CommandLong || r.msg instanceof common.CommandInt)) return;
    const m = r.msg;
    const ack = recs.slice(i + 1).find((a) => a.sysid === 7 && a.msg instanceof common.CommandAck && a.msg.command === m.command)!.msg as common.CommandAck;
    out.push({ t: r.t, form: m instanceof common.CommandInt ? 'int' : 'long', command: m.command, msg: m, result: ack.result });
  });
  return out;
}

const answers = (asked: Asked[], command: number) => asked.filter((a) => a.command === command).map((a) => `${a.form}:${a.result}`);

describeWithFixtures('goto, orbit, circle and ROI on ArduCopter 4.7 (goto-circle-roi.tlog): the profile and the simulator', () => {
  let asked: Asked[];
  /** the ground station's position target (to B), between the commands */
  let target: CaptureRec;
  beforeAll(() => {
    const recs = readCapture('goto-circle-roi.tlog');
    asked = askedIn(recs);
    target = recs.find((r) => r.sysid === 255 && r.msg instanceof common.SetPositionTargetGlobalInt)!;
  });

  it('the capture holds 17 commands, each answered once, as its README says', () => {
    expect(asked).toHaveLength(17);
    expect(answers(asked, MavCmd.DO_REPOSITION)).toEqual([`int:${MavResult.ACCEPTED}`, `long:${MavResult.UNSUPPORTED}`]);
    expect(answers(asked, MavCmd.DO_ORBIT)).toEqual([`int:${MavResult.UNSUPPORTED}`, `long:${MavResult.UNSUPPORTED}`]);
    expect(answers(asked, MavCmd.DO_SET_ROI_LOCATION)).toEqual([`int:${MavResult.ACCEPTED}`, `long:${MavResult.ACCEPTED}`]);
    expect(answers(asked, MavCmd.NAV_LOITER_UNLIM)).toEqual([`long:${MavResult.ACCEPTED}`, `int:${MavResult.ACCEPTED}`]);
  });

  it('the ArduPilot profile sends only what the capture shows accepted, in the form it accepted', () => {
    const plan = profileOf('ardupilot').goto;
    const A = { lat: 28.37225, lon: 121.3815 };
    const go = plan.reposition(A, 40);
    const taken = asked.find((a) => a.command === go.command && a.result === MavResult.ACCEPTED)!;
    expect(taken.form).toBe('int');
    expect(go.int).toEqual({ frame: (taken.msg as common.CommandInt).frame, lat: A.lat, lon: A.lon, alt: 40 });
    expect(plan.modeFirst).toBe('guided');
    // DO_ORBIT was refused in both forms, and CIRCLE is not a safe hold (centre ahead of the nose, sinks with the throttle): no orbit.
    expect(plan.orbit).toBeNull();
    expect(asked.some((a) => a.command === plan.roi(A, 0).command && a.result === MavResult.ACCEPTED)).toBe(true);
    // It takes COMMAND_INT's frame as given: heights above home, as the capture's accepted reposition.
    expect(plan.heights).toBe('home');
  });

  describe("replayed into the simulated ArduCopter at the capture's home", () => {
    let gcs: GroundStation;
    let sq: Squadron;
    readySquadron((g, s) => {
      gcs = g;
      sq = s;
    }, { home: { lat: 28.37, lon: 121.3815, altMsl: 10 }, speedup: 10 });

    const send = (a: Asked) => {
      const since = gcs.mark();
      // The capture's own message, only re-addressed to the simulator's system.
      gcs.send(1, a.msg as MavLinkData);
      return gcs.waitMsg<common.CommandAck>(1, 'COMMAND_ACK', (m) => m.command === a.command, 5_000, since);
    };
    const position = () => gcs.last<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT')!;
    const mode = () => gcs.last<minimal.Heartbeat>(1, 'HEARTBEAT')!.customMode;

    it('answers every command of the capture as ArduCopter did (CIRCLE aside: not simulated), and flies, turns and stays as it did', async () => {
      const B = { lat: 28.37225, lon: 121.38303 };
      let toB = false;
      const results: string[] = [];
      const expected: string[] = [];
      for (const a of asked) {
        if (!toB && a.t > target.t) {
          // As the capture: SET_POSITION_TARGET_GLOBAL_INT (no ACK) to B, 150 m east of A.
          toB = true;
          gcs.send(1, target.msg);
          await gcs.waitMsg<common.GlobalPositionInt>(
            1,
            'GLOBAL_POSITION_INT',
            (m) => Math.abs(m.lon / 1e7 - B.lon) < 1e-5 && Math.abs(m.lat / 1e7 - B.lat) < 1e-5,
            60_000,
          );
        }
        const p2 = a.msg instanceof common.CommandLong ? a.msg._param2 : a.msg._param2;
        if (a.command === MavCmd.COMPONENT_ARM_DISARM && a.result !== MavResult.ACCEPTED) continue; // the EKF's timing, not the command
        if (a.command === MavCmd.DO_SET_MODE && p2 === CIRCLE) continue;
        if (a.command === MavCmd.DO_SET_MODE && p2 === GUIDED && mode() === GUIDED) continue; // the switch back out of CIRCLE
        if (a.command === MavCmd.COMPONENT_ARM_DISARM) await gcs.armWhenReady(1);
        const ack = a.command === MavCmd.COMPONENT_ARM_DISARM ? { result: MavResult.ACCEPTED } : await send(a);
        results.push(`${a.command}/${a.form}:${ack.result}`);
        expected.push(`${a.command}/${a.form}:${a.result}`);
        if (a.command === MavCmd.NAV_TAKEOFF) {
          await gcs.waitMsg<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT', (m) => m.relativeAlt > 29_000, 30_000);
        } else if (a.command === MavCmd.DO_REPOSITION && a.form === 'int') {
          // It goes to A: 250 m north, moving within a couple of simulated seconds.
          const before = position().lat;
          await gcs.waitMsg<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT', (m) => m.lat > before + 50, 5_000);
        } else if (a.command === MavCmd.DO_ORBIT && a.form === 'long') {
          // Nothing changed: still GUIDED, still at B.
          expect(mode()).toBe(GUIDED);
          expect(Math.abs(position().lon / 1e7 - B.lon)).toBeLessThan(1e-5);
        } else if (a.command === MavCmd.DO_SET_ROI_LOCATION && a.form === 'int') {
          // The nose turns to the point and holds it (the capture: within 2° after 3 s).
          const tx = (a.msg as common.CommandInt)._param5 / 1e7;
          const ty = (a.msg as common.CommandInt)._param6 / 1e7;
          const p = position();
          const bearing = (Math.atan2((ty - p.lon / 1e7) * Math.cos((tx * Math.PI) / 180), tx - p.lat / 1e7) * 180 / Math.PI + 360) % 360;
          await gcs.waitMsg<common.GlobalPositionInt>(1, 'GLOBAL_POSITION_INT', (m) => Math.abs(((m.hdg / 100 - bearing + 540) % 360) - 180) < 3, 5_000);
        } else if (a.command === MavCmd.NAV_LOITER_UNLIM) {
          // LOITER where it is (B): the coordinates of A it was given are ignored.
          await new Promise((r) => setTimeout(r, 500));
          expect(mode()).toBe(5);
          expect(Math.abs(position().lon / 1e7 - B.lon)).toBeLessThan(2e-5); // < 2 m from B, 150 m from A
        }
      }
      expect(results).toEqual(expected);
      expect(sq.drone(1).status().mode).toBe('RTL');
    }, 120_000);
  });
});
