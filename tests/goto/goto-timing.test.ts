import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { common, minimal, type MavLinkData } from 'node-mavlink';
import { afterEach, describe, expect, it } from 'vitest';
import type { AircraftMonitor } from '../../server/alerts/aircraft-monitor.ts';
import { ControlRegistry } from '../../server/patrols/control.ts';
import { Gotos } from '../../server/patrols/goto.ts';
import type { Patrols } from '../../server/patrols/patrols.ts';
import { DEFAULT_RULES } from '../../server/patrols/preflight.ts';
import { openDb } from '../../server/store/connection.ts';
import { SqliteWriter } from '../../server/store/write-journal.ts';
import { GotoRecordStore } from '../../server/store/gotos.ts';
import { Actions } from '../../server/vehicles/actions.ts';
import { CommandSender } from '../../server/vehicles/commands.ts';
import type { GotoView } from '../../server/wire/types.ts';
import { fakeClock, type FakeClock } from '../helpers/fake-clock.ts';
import { scriptedVehicle } from '../helpers/scripted-vehicle.ts';

const { MavCmd, MavResult } = common;
const GUIDED = 4;
const RTL = 6;
/** PX4's custom modes (main << 16 | sub << 24): AUTO.LOITER (Hold), POSCTL.ORBIT */
const PX4_HOLD = 0x03040000;
const PX4_ORBIT = 0x01030000;
const HOME = { lat: 28.37, lon: 121.3815 };
/** 250 m north of home, as point A of the live capture */
const A = { lat: 28.37225, lon: 121.3815 };
const M_PER_DEG = 111_320;

/**
 * A copter as ArduCopter answered the live capture: every command ACKed at once, DO_REPOSITION
 * only as COMMAND_INT, then flying there at 10 m/s; position, battery and GPS sent 4 times a second.
 */
/**
 * As PX4 (`px4`): in Hold, it flies a DO_REPOSITION in Hold, and answers DO_ORBIT as its commander
 * does: ACCEPTED and Orbit in its HEARTBEAT, or TEMPORARILY_REJECTED with "Orbit command rejected"
 * ('reject'), or (a case the sources allow, 'ack-only') ACCEPTED with its mode unchanged.
 */
interface CopterOptions {
  battery: number;
  moves?: boolean;
  refuseRtl?: number;
  px4?: { orbit: 'accept' | 'reject' | 'ack-only' };
}

async function copter(fc: FakeClock, opts: CopterOptions) {
  const flyMode = opts.px4 ? PX4_HOLD : GUIDED;
  const sv = await scriptedVehicle(fc, {
    customMode: flyMode,
    armed: true,
    ...(opts.px4 ? { autopilot: minimal.MavAutopilot.PX4 } : {}),
  });
  const s = { lat: HOME.lat, lon: HOME.lon, alt: 40, battery: opts.battery, target: null as { lat: number; lon: number } | null, streaming: true };
  const ack = (command: number, result: number) => {
    const m = new common.CommandAck();
    m.command = command;
    m.result = result;
    m.targetSystem = 255;
    m.targetComponent = 190;
    sv.send(m);
  };
  sv.on((msg: MavLinkData) => {
    if (msg instanceof common.CommandLong) {
      if (msg.command === MavCmd.DO_SET_MODE && msg._param2 === RTL && (opts.refuseRtl ?? 0) > 0) {
        opts.refuseRtl!--;
        ack(msg.command, MavResult.DENIED);
        return;
      }
      if (msg.command === MavCmd.DO_SET_MODE) sv.state.customMode = msg._param2;
      ack(msg.command, msg.command === MavCmd.DO_REPOSITION || msg.command === MavCmd.DO_ORBIT ? MavResult.UNSUPPORTED : MavResult.ACCEPTED);
    } else if (msg instanceof common.CommandInt) {
      if (msg.command === MavCmd.DO_REPOSITION && opts.moves !== false) s.target = { lat: msg._param5 / 1e7, lon: msg._param6 / 1e7 };
      if (msg.command === MavCmd.DO_ORBIT && opts.px4) {
        if (opts.px4.orbit === 'reject') {
          sv.send(Object.assign(new common.StatusText(), { severity: common.MavSeverity.CRITICAL, text: 'Orbit command rejected\t' }));
          return ack(msg.command, MavResult.TEMPORARILY_REJECTED);
        }
        if (opts.px4.orbit === 'accept') sv.state.customMode = PX4_ORBIT;
        return ack(msg.command, MavResult.ACCEPTED);
      }
      ack(msg.command, msg.command === MavCmd.DO_ORBIT ? MavResult.UNSUPPORTED : MavResult.ACCEPTED);
    }
  });
  const telemetry = () => {
    if (s.target && sv.state.customMode === flyMode) {
      const dn = (s.target.lat - s.lat) * M_PER_DEG;
      const de = (s.target.lon - s.lon) * M_PER_DEG * Math.cos((s.lat * Math.PI) / 180);
      const d = Math.hypot(dn, de);
      const step = Math.min(d, 10 * 0.25);
      if (d > 0) {
        s.lat += ((dn / d) * step) / M_PER_DEG;
        s.lon += ((de / d) * step) / (M_PER_DEG * Math.cos((s.lat * Math.PI) / 180));
      }
    }
    if (!s.streaming) return;
    const p = new common.GlobalPositionInt();
    p.lat = Math.round(s.lat * 1e7);
    p.lon = Math.round(s.lon * 1e7);
    p.alt = (10 + s.alt) * 1000;
    p.relativeAlt = s.alt * 1000;
    p.hdg = 0;
    sv.send(p);
    const b = new common.SysStatus();
    b.batteryRemaining = Math.round(s.battery);
    b.voltageBattery = 12600;
    b.currentBattery = 1000;
    sv.send(b);
    const g = new common.GpsRawInt();
    g.fixType = common.GpsFixType.GPS_FIX_TYPE_3D_FIX;
    g.satellitesVisible = 12;
    g.eph = 80;
    sv.send(g);
    const h = new common.HomePosition();
    h.latitude = HOME.lat * 1e7;
    h.longitude = HOME.lon * 1e7;
    h.altitude = 10_000;
    sv.send(h);
  };
  const stop = fc.every(250, telemetry);
  telemetry();
  await fc.advance(100);
  return { sv, s, stop };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function rig(opts: CopterOptions) {
  const fc = fakeClock();
  const c = await copter(fc, opts);
  const fleet = c.sv.fleet;
  const commands = new CommandSender(fleet, 255, fc.clock);
  const actions = new Actions(fleet, commands, fc.clock);
  const control = new ControlRegistry(() => true);
  await control.take(c.sv.vehicle.id, 'pilot1');
  const alerts: { rule: string; severity: string | null; message: string | null }[] = [];
  const aircraft = {
    setExternal: (_v: unknown, rule: string, cond: { severity: string; message: string } | null) =>
      alerts.push({ rule, severity: cond?.severity ?? null, message: cond?.message ?? null }),
  } as unknown as AircraftMonitor;
  const patrols = { activeFor: () => undefined } as unknown as Patrols;
  const audit: { action: string; result: string }[] = [];
  // The gotos' records in a SQLite file of their own (the store's behaviour on both databases: tests/store/gotos.test.ts).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-goto-timing-'));
  const db = await openDb(`sqlite:${path.join(dir, 'skybeat.db')}`);
  const gotos = new Gotos({
    fleet,
    actions,
    commands,
    control,
    patrols,
    aircraft,
    rules: { ...DEFAULT_RULES, enduranceS: 1200, reservePercent: 25 },
    station: { ...HOME, radiusKm: 50 },
    records: new GotoRecordStore(db, new SqliteWriter(db.sqlite!)),
    incident: () => null,
    audit: (e) => audit.push(e),
    clock: fc.clock,
  });
  cleanup = async () => {
    await gotos.close();
    c.stop();
    await c.sv.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const views: GotoView[] = [];
  gotos.on('goto', (g) => views.push(g));
  const now = async () => (await gotos.current(c.sv.vehicle.id))!;
  /** run simulated time until the goto satisfies check */
  const until = async (what: string, check: (g: GotoView) => boolean, limitMs = 10 * 60_000) => {
    const end = fc.elapsed() + limitMs;
    for (let g = await now(); !check(g); g = await now()) {
      if (fc.elapsed() > end) throw new Error(`${what}: not after ${limitMs} ms; ${JSON.stringify({ ...g, checks: undefined })}`);
      await fc.advance(250);
    }
    return now();
  };
  return { fc, ...c, gotos, alerts, audit, views, now, until, vid: c.sv.vehicle.id };
}

describe('drone to the scene on a fake clock: confirmation, overhead, countdown, battery limit', () => {
  it('sends DO_REPOSITION as COMMAND_INT in GUIDED, confirms movement from telemetry, and counts time held only overhead', async () => {
    const r = await rig({ battery: 90 });
    const sent = await r.gotos.send({ vehicleId: r.vid, target: A, pilot: 'pilot1', holdMin: 5 });
    expect(sent.checks.every((c) => c.pass)).toBe(true);
    expect(sent.state).toBe('transit');
    const moving = await r.until('moving', (g) => g.events.some((e) => e.kind === 'moving'), 5000);
    // 0.75 s of a 10 m/s copter at most, as the capture's: the movement is seen within a second or two.
    expect(r.fc.elapsed()).toBeLessThan(2500);
    expect(moving.state).toBe('transit');
    const cmd = r.sv.got(common.CommandInt, (m) => m.command === MavCmd.DO_REPOSITION);
    expect(cmd).toHaveLength(1);
    expect(cmd[0]).toMatchObject({ frame: common.MavFrame.GLOBAL_RELATIVE_ALT_INT, _param5: 283722500, _param6: 1213815000, _param7: 60 });
    expect(r.sv.got(common.CommandLong, (m) => m.command === MavCmd.DO_REPOSITION)).toHaveLength(0);

    const there = await r.until('overhead', (g) => g.overhead);
    // 250 m at 10 m/s, overhead from 30 m out: about 22 s.
    expect(there.state).toBe('on_scene');
    expect(there.arrivedAt! - there.startedAt).toBeGreaterThan(18_000);
    expect(there.arrivedAt! - there.startedAt).toBeLessThan(27_000);
    await r.fc.advance(5000);
    // ArduCopter: no orbit (position hold in GUIDED), the nose on the point.
    expect(r.sv.got(common.CommandInt, (m) => m.command === MavCmd.DO_ORBIT)).toHaveLength(0);
    expect(r.sv.got(common.CommandInt, (m) => m.command === MavCmd.DO_SET_ROI_LOCATION)[0]).toMatchObject({ _param5: 283722500, _param6: 1213815000 });
    const held = await r.now();
    expect(held.heldS).toBeGreaterThanOrEqual(4);
    expect(held.heldS).toBeLessThanOrEqual(6);
    expect(held.hold).toBe('position');

    // Telemetry stops (the link is going): nothing is claimed from the last position.
    r.s.streaming = false;
    await r.fc.advance(4000);
    const stale = await r.now();
    expect(stale).toMatchObject({ overhead: false, stale: true, distanceM: null });
    const heldThen = stale.heldS;
    await r.fc.advance(5000);
    expect((await r.now()).heldS).toBe(heldThen);
  });

  it('counts down to turning home, goes amber under 2 minutes, and at the limit returns by itself (audited)', async () => {
    // 40 %: 15 % above the 25 % reserve of a 20-minute battery = 180 s of flight, less the way home.
    const r = await rig({ battery: 40 });
    await r.gotos.send({ vehicleId: r.vid, target: A, pilot: 'pilot1', holdMin: 1 });
    const there = await r.until('overhead', (g) => g.overhead);
    // From A: 250 m home at 8 m/s (31 s) and 40 m down at 2.5 m/s (16 s).
    expect(there.turnHomeInS).toBeGreaterThan(125);
    expect(there.turnHomeInS).toBeLessThan(140);
    expect(there.amber).toBe(false);
    // The battery goes down 1 % every 10 s (the 20-minute battery's rate in the air: 1 % per 12 s).
    const drain = r.fc.every(10_000, () => {
      r.s.battery -= 1;
    });
    const amber = await r.until('amber', (g) => g.amber);
    expect(amber.turnHomeInS).toBeLessThan(120);
    expect(r.alerts.some((a) => a.rule === 'goto_battery' && a.severity === 'caution')).toBe(true);
    expect(amber.events.find((e) => e.kind === 'battery')!.message).toMatch(/battery allows \d+ s more over the point/);
    expect(r.sv.got(common.CommandLong, (m) => m.command === MavCmd.DO_SET_MODE && m._param2 === RTL)).toHaveLength(0);

    const back = await r.until('returning', (g) => g.state === 'returning');
    drain();
    expect(back.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['limit', 'returning']));
    expect(r.sv.got(common.CommandLong, (m) => m.command === MavCmd.DO_SET_MODE && m._param2 === RTL)).toHaveLength(1);
    expect(r.audit).toContainEqual(expect.objectContaining({ action: 'goto.limit_return', result: 'sent' }));
    // The amber alert ends with the goto.
    expect(r.alerts.at(-1)).toMatchObject({ rule: 'goto_battery', severity: null });
  });

  it('keeps the drone over the point past the limit when the pilot chose so', async () => {
    const r = await rig({ battery: 40 });
    await r.gotos.send({ vehicleId: r.vid, target: A, pilot: 'pilot1', holdMin: 1 });
    await r.until('overhead', (g) => g.overhead);
    expect(() => r.gotos.keepHolding(r.vid, 'pilot2', true)).toThrow(/under the control of pilot1/);
    expect(r.gotos.keepHolding(r.vid, 'pilot1', true).keepHolding).toBe(true);
    const drain = r.fc.every(10_000, () => {
      r.s.battery -= 1;
    });
    const past = await r.until('past the limit', (g) => (g.turnHomeInS ?? 1) < -10);
    drain();
    expect(past.state).toBe('on_scene');
    expect(past.events.find((e) => e.kind === 'limit')!.message).toBe('battery limit passed: the pilot keeps it over the point');
    expect(r.sv.got(common.CommandLong, (m) => m.command === MavCmd.DO_SET_MODE && m._param2 === RTL)).toHaveLength(0);
  });

  it('fails, saying so, when the autopilot accepts the goto but does not move', async () => {
    const r = await rig({ battery: 90, moves: false });
    await r.gotos.send({ vehicleId: r.vid, target: A, pilot: 'pilot1' });
    const failed = await r.until('failed', (g) => g.state === 'failed', 20_000);
    expect(failed.events.at(-1)!.message).toBe('failed: not moving toward the point 10 s after the command');
    expect(r.fc.elapsed()).toBeGreaterThan(10_000);
  });

  it('refuses without enough battery for there, the hold and home, naming the figures', async () => {
    const r = await rig({ battery: 40 });
    await expect(r.gotos.send({ vehicleId: r.vid, target: A, pilot: 'pilot1', holdMin: 5 })).rejects.toThrow(
      /battery \(.*5 min overhead and back.*needs 5\d% with 25% reserve, has 40%\)/,
    );
    expect(r.sv.got(common.CommandInt)).toHaveLength(0);
  });

  it('asks again for the return at the limit when the autopilot refuses it, and keeps watching meanwhile', async () => {
    const r = await rig({ battery: 40, refuseRtl: 1 });
    await r.gotos.send({ vehicleId: r.vid, target: A, pilot: 'pilot1', holdMin: 1 });
    await r.until('overhead', (g) => g.overhead);
    const drain = r.fc.every(10_000, () => {
      r.s.battery -= 1;
    });
    const back = await r.until('returning', (g) => g.state === 'returning');
    drain();
    const rtl = r.sv.got(common.CommandLong, (m) => m.command === MavCmd.DO_SET_MODE && m._param2 === RTL);
    expect(rtl).toHaveLength(2);
    expect(back.events.filter((e) => e.kind === 'returning').map((e) => e.message)).toEqual([
      expect.stringMatching(/^failed: DO_SET_MODE DENIED/),
      'returning home (battery limit)',
    ]);
  });

  describe('as PX4 (its sources: every height AMSL; DO_ORBIT answered by its commander)', () => {
    const sendPx4 = async (orbit: 'accept' | 'reject' | 'ack-only') => {
      const r = await rig({ battery: 90, px4: { orbit } });
      await r.gotos.send({ vehicleId: r.vid, target: A, pilot: 'pilot1', holdMin: 5 });
      const there = await r.until('the hold decided', (g) => g.overhead && g.events.some((e) => e.kind === 'roi'));
      return { r, there };
    };

    it('gives the point and the orbit their height above sea level (home 10 m AMSL + 60 m), facing the centre, and sees Orbit in the HEARTBEAT', async () => {
      const { r, there } = await sendPx4('accept');
      const go = r.sv.got(common.CommandInt, (m) => m.command === MavCmd.DO_REPOSITION)[0]!;
      expect(go).toMatchObject({ frame: common.MavFrame.GLOBAL_INT, _param7: 70, _param2: common.MavDoRepositionFlags.CHANGE_MODE });
      const orbit = r.sv.got(common.CommandInt, (m) => m.command === MavCmd.DO_ORBIT)[0]!;
      expect(orbit).toMatchObject({ frame: common.MavFrame.GLOBAL_INT, _param1: 20, _param3: 0, _param5: 283722500, _param6: 1213815000, _param7: 70 });
      expect(r.sv.got(common.CommandInt, (m) => m.command === MavCmd.DO_SET_ROI_LOCATION)[0]).toMatchObject({ frame: common.MavFrame.GLOBAL_INT, _param7: 10 });
      expect(there.hold).toBe('orbit');
      expect(there.events.find((e) => e.kind === 'orbit')!.message).toBe('circling the point at 20 m, facing it');
    });

    it("holds over the point when PX4 refuses the orbit, saying PX4's words", async () => {
      const { there } = await sendPx4('reject');
      expect(there.hold).toBe('position');
      expect(there.events.find((e) => e.kind === 'orbit')!.message).toMatch(/^orbit refused \(.*Orbit command rejected.*\): holding position over the point$/);
      expect(there.state).toBe('on_scene');
    });

    it('does not claim an orbit its HEARTBEAT does not show', async () => {
      const { there } = await sendPx4('ack-only');
      expect(there.hold).toBe('position');
      expect(there.events.find((e) => e.kind === 'orbit')!.message).toBe('orbit accepted but its mode stays HOLD: holding over the point');
    });
  });
});
