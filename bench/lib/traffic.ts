import { ardupilotmega, common, minimal, type MavLinkData } from 'node-mavlink';
import { Encoder } from '../../server/mavlink/codec.ts';
import type { LinkSigning } from '../../server/mavlink/signing.ts';

/** Wenling, where the captures were recorded. */
export const HOME = { lat: 28.37, lon: 121.38 };

export function heartbeat(): minimal.Heartbeat {
  const hb = new minimal.Heartbeat();
  hb.type = minimal.MavType.QUADROTOR;
  hb.autopilot = minimal.MavAutopilot.ARDUPILOTMEGA;
  hb.baseMode = 217 as minimal.MavModeFlag; // armed, GUIDED enabled (as ArduCopter flying)
  hb.customMode = 3; // AUTO
  hb.systemStatus = minimal.MavState.ACTIVE;
  hb.mavlinkVersion = 3;
  return hb;
}

/**
 * A GLOBAL_POSITION_INT whose altitude carries a value of our choosing (mm, so 1 ms of send time
 * per mm when a benchmark embeds its clock there: altMsl reaches the browser in VehicleView).
 */
export function position(lat: number, lon: number, altMm: number, timeBootMs = 0): common.GlobalPositionInt {
  const p = new common.GlobalPositionInt();
  p.timeBootMs = timeBootMs >>> 0;
  p.lat = Math.round(lat * 1e7);
  p.lon = Math.round(lon * 1e7);
  p.alt = altMm | 0;
  p.relativeAlt = 30_000;
  p.vx = 500;
  p.vy = -200;
  p.vz = 0;
  p.hdg = 9000;
  return p;
}

/**
 * The streams an ArduCopter sends besides its position, at rates close to ArduPilot stream-rate defaults
 * with streams asked at 4 Hz (attitude faster): what a map station really receives.
 */
export function otherStreams(): { msg: MavLinkData; hz: number }[] {
  const att = new common.Attitude();
  Object.assign(att, { timeBootMs: 1000, roll: 0.01, pitch: -0.02, yaw: 1.5, rollspeed: 0, pitchspeed: 0, yawspeed: 0 });
  const hud = new common.VfrHud();
  Object.assign(hud, { airspeed: 5, groundspeed: 5.4, heading: 90, throttle: 45, alt: 40.1, climb: 0.1 });
  const sys = new common.SysStatus();
  Object.assign(sys, { voltageBattery: 12400, currentBattery: 1500, batteryRemaining: 80, load: 300 });
  const gps = new common.GpsRawInt();
  Object.assign(gps, {
    timeUsec: 1n,
    fixType: common.GpsFixType.GPS_FIX_TYPE_3D_FIX,
    lat: 283700000,
    lon: 1213800000,
    alt: 40100,
    eph: 80,
    epv: 120,
    vel: 540,
    cog: 9000,
    satellitesVisible: 14,
  });
  const cur = new common.MissionCurrent();
  cur.seq = 2;
  const ekf = new ardupilotmega.EkfStatusReport();
  Object.assign(ekf, { flags: 0x3ff, velocityVariance: 0.1, posHorizVariance: 0.1, posVertVariance: 0.1, compassVariance: 0.05, terrainAltVariance: 0 });
  const servo = new common.ServoOutputRaw();
  Object.assign(servo, { timeUsec: 1000, port: 0, servo1Raw: 1500, servo2Raw: 1500, servo3Raw: 1500, servo4Raw: 1500 });
  const imu = new common.RawImu();
  Object.assign(imu, { timeUsec: 1n, xacc: 1, yacc: 2, zacc: -1000, xgyro: 0, ygyro: 0, zgyro: 0, xmag: 200, ymag: 100, zmag: -400 });
  return [
    { msg: att, hz: 10 },
    { msg: hud, hz: 4 },
    { msg: sys, hz: 2 },
    { msg: gps, hz: 4 },
    { msg: cur, hz: 1 },
    { msg: ekf, hz: 2 },
    { msg: servo, hz: 4 },
    { msg: imu, hz: 4 },
  ];
}

/** n packets of GLOBAL_POSITION_INT from `systems` sysids in turn, each system with its own sequence. */
export function positionPackets(n: number, systems: number, signing: LinkSigning | null = null): Buffer[] {
  const encoders = Array.from({ length: systems }, (_, i) => new Encoder(i + 1, 1, signing));
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const s = i % systems;
    out.push(encoders[s]!.encode(position(HOME.lat + s * 1e-4, HOME.lon + (i % 1000) * 1e-6, 40_000 + i, i)));
  }
  return out;
}

/** One HEARTBEAT per system, so a Fleet knows them before the measured traffic. */
export function heartbeats(systems: number, signing: LinkSigning | null = null): Buffer[] {
  return Array.from({ length: systems }, (_, i) => new Encoder(i + 1, 1, signing).encode(heartbeat()));
}

/** Concatenate packets and cut the bytes into fixed-size chunks, as a TCP or serial stream delivers them. */
export function streamChunks(packets: Buffer[], chunkSize: number): Buffer[] {
  const all = Buffer.concat(packets);
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += chunkSize) out.push(all.subarray(i, i + chunkSize));
  return out;
}
