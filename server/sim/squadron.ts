import { createLink } from '../links/create.ts';
import type { Link } from '../links/link.ts';
import { parseLinkUri, type LinkSpec } from '../links/uri.ts';
import { arduCopter } from './ardupilot.ts';
import { SimCamera, type CameraSettings } from './camera.ts';
import { SimDrone } from './drone.ts';
import type { AutopilotKind, Firmware } from './firmware.ts';
import type { MissionLimits } from './mission-server.ts';
import { offset } from './physics/geo.ts';
import { px4 } from './px4.ts';
import { bootTimeline } from './sensors.ts';

/** Each drone gets its own (PX4's numbers its STATUSTEXTs and PINGs per drone). */
const FIRMWARE: Record<AutopilotKind, () => Firmware> = { ardupilot: () => arduCopter, px4 };

export interface SquadronOptions {
  count: number;
  /** the autopilot every drone behaves as: 'ardupilot' (ArduCopter 4.x, the default) or 'px4' (PX4 1.17) */
  autopilot?: AutopilotKind;
  /**
   * Where the drones talk: udpout://H:P and tcpout://H:P — every drone to that address, each from
   * its own socket (like SITL instances sending to one ground-station port); tcpin://H:P and
   * udpin://H:P — drone i listens on P + 10·i, SITL's numbering (port 0: any free port, see drone.port).
   */
  link: string;
  /** where drone 1 stands; the others line up eastwards. Default Wenling 28.37 N 121.38 E, 10 m AMSL */
  home?: { lat: number; lon: number; altMsl?: number };
  /** sysid of the first drone (default 1); the others follow */
  sysidBase?: number;
  /** seeds every random choice (link faults); default taken from the clock and reported as squadron.seed */
  seed?: number;
  /** seconds until the EKF uses GPS and GUIDED arming works (a real ArduCopter: 20-40 s). Default 5 */
  bootDelayS?: number;
  /** seconds until the first GPS fix (GLOBAL_POSITION_INT is 0,0 before). Default 2, at most bootDelayS */
  gpsFixDelayS?: number;
  /** simulated seconds per wall-clock second, like SITL's --speedup (protocol timers scale too). Default 1 */
  speedup?: number;
  /** training demo (ArduCopter only): each drone arms itself and flies a loop until a ground station commands it (see DemoPilot) */
  demo?: boolean;
  /** metres between neighbouring homes (default 29.4: the squadron capture's 0.0003° of longitude) */
  spacingM?: number;
  /** physics and stream ticks per wall-clock second (default 20) */
  tickHz?: number;
  /** message the vehicle asks for upload items with (default MISSION_REQUEST, as ArduPilot does; PX4 only ever asks with MISSION_REQUEST_INT) */
  missionRequest?: 'MISSION_REQUEST' | 'MISSION_REQUEST_INT';
  missionLimits?: Partial<MissionLimits>;
  /** ArduPilot parameters for every drone, e.g. { FS_GCS_ENABLE: 1, BATT_LOW_VOLT: 11.4 } */
  params?: Partial<Record<string, number>>;
  /**
   * Each drone's camera sends H.264 over RTP/UDP to host:basePort + i (drone 1 to 5600, where
   * QGroundControl listens, by default) and announces it (VIDEO_STREAM_INFORMATION). No camera when
   * not given, or without ffmpeg (said once).
   */
  camera?: SquadronCamera;
}

export interface SquadronCamera extends Omit<CameraSettings, 'port' | 'name' | 'host'> {
  host?: string;
  basePort?: number;
}

export interface Squadron {
  readonly drones: SimDrone[];
  readonly seed: number;
  /** the drone with this sysid (throws for an unknown one) */
  drone(sysid: number): SimDrone;
  close(): Promise<void>;
}

const WENLING = { lat: 28.37, lon: 121.38, altMsl: 10 };
/** Typical ArduCopter storage limits (the real ones depend on the board). */
const DEFAULT_LIMITS: MissionLimits = { mission: 700, fence: 84, rally: 10 };
/** SITL numbers instance i's ports from the base port in steps of 10. */
const PORT_STEP = 10;

export class SquadronOptionsError extends Error {}

function check(ok: boolean, message: string): void {
  if (!ok) throw new SquadronOptionsError(message);
}

function validate(o: SquadronOptions): void {
  check(Number.isInteger(o.count) && o.count >= 1, `count must be a whole number of drones, at least 1 (got ${o.count})`);
  const base = o.sysidBase ?? 1;
  check(Number.isInteger(base) && base >= 1 && base <= 254, `sysid base must be 1-254 (got ${base})`);
  check(base + o.count - 1 <= 254, `sysids ${base}..${base + o.count - 1} go past 254 (255 is the ground station's): use fewer drones or a lower sysid base`);
  if (o.home) {
    check(Number.isFinite(o.home.lat) && Math.abs(o.home.lat) <= 90, `home latitude must be -90..90 (got ${o.home.lat})`);
    check(Number.isFinite(o.home.lon) && Math.abs(o.home.lon) <= 180, `home longitude must be -180..180 (got ${o.home.lon})`);
    check(!(o.home.lat === 0 && o.home.lon === 0), 'home 0,0 is "no position" to every ground station: choose a real place');
  }
  for (const [name, v] of [['bootDelayS', o.bootDelayS], ['gpsFixDelayS', o.gpsFixDelayS], ['spacingM', o.spacingM]] as const) {
    check(v === undefined || (Number.isFinite(v) && v >= 0), `${name} must be a number >= 0 (got ${v})`);
  }
  check(
    o.speedup === undefined || (Number.isFinite(o.speedup) && o.speedup > 0 && o.speedup <= 100),
    `speedup must be above 0 and at most 100 (got ${o.speedup})`,
  );
  check(o.tickHz === undefined || (Number.isFinite(o.tickHz) && o.tickHz >= 1 && o.tickHz <= 200), `tickHz must be 1-200 (got ${o.tickHz})`);
  check(o.seed === undefined || Number.isInteger(o.seed), `seed must be an integer (got ${o.seed})`);
  if (o.camera) {
    const base = o.camera.basePort ?? 5600;
    check(Number.isInteger(base) && base >= 1 && base + o.count - 1 <= 65535, `camera ports ${base}..${base + o.count - 1} must lie within 1-65535`);
  }
  const kind = o.autopilot ?? 'ardupilot';
  check(Object.hasOwn(FIRMWARE, kind), `autopilot must be ${Object.keys(FIRMWARE).join(' or ')} (got ${String(o.autopilot)})`);
  if (kind === 'px4') {
    check(!o.demo, "the demo pilot flies ArduCopter's GUIDED mode: no demo with PX4");
    check(o.missionRequest !== 'MISSION_REQUEST', 'PX4 asks for mission items with MISSION_REQUEST_INT only');
  }
}

function droneLink(spec: LinkSpec, i: number): Link {
  switch (spec.kind) {
    case 'udpout':
    case 'tcpout':
      return createLink(spec);
    case 'udpin':
    case 'tcpin': {
      const port = spec.port === 0 ? 0 : spec.port + PORT_STEP * i;
      check(port <= 65535, `${spec.uri}: drone ${i + 1} would listen on port ${port}, past 65535`);
      return createLink({ ...spec, port, uri: `${spec.kind}://${spec.host}:${port}` });
    }
    default:
      throw new SquadronOptionsError(`${spec.uri}: the simulator talks over udpout://, udpin://, tcpout:// or tcpin://`);
  }
}

/** Start `count` simulated copters (ArduCopter, or PX4 with autopilot 'px4'), each one MAVLink system on its own socket. */
export async function startSquadron(opts: SquadronOptions): Promise<Squadron> {
  validate(opts);
  const spec = parseLinkUri(opts.link);
  const seed = (opts.seed ?? Date.now()) >>> 0;
  const bootDelayS = opts.bootDelayS ?? 5;
  const timeline = bootTimeline(bootDelayS, Math.min(opts.gpsFixDelayS ?? 2, bootDelayS));
  const base = { ...WENLING, ...opts.home };
  const speedup = opts.speedup ?? 1;
  const tickMs = 1000 / (opts.tickHz ?? 20);
  const startEpochMs = Date.now();
  const drones: SimDrone[] = [];
  const close = async () => {
    clearInterval(timer);
    await Promise.all(drones.map((d) => d.close()));
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i < opts.count; i++) {
      const home = { ...offset(base, i * (opts.spacingM ?? 29.4), 90), altMsl: base.altMsl };
      const sysid = (opts.sysidBase ?? 1) + i;
      const camera = opts.camera ?
        SimCamera.start({ ...opts.camera, host: opts.camera.host ?? '127.0.0.1', port: (opts.camera.basePort ?? 5600) + i, name: `Drone ${sysid}` }) :
        null;
      const drone = new SimDrone({
        sysid,
        home,
        link: droneLink(spec, i),
        seed,
        timeline,
        missionLimits: { ...DEFAULT_LIMITS, ...opts.missionLimits },
        requestInt: opts.missionRequest === 'MISSION_REQUEST_INT',
        params: opts.params ?? {},
        startEpochMs,
        firmware: FIRMWARE[opts.autopilot ?? 'ardupilot'](),
        camera,
      });
      drones.push(drone);
      if (opts.demo) drone.startDemo(i);
      await drone.open();
    }
  } catch (err) {
    await close();
    throw err;
  }
  // Fixed simulated steps (not measured wall time), so a seeded run flies the same way again.
  const dt = (tickMs / 1000) * speedup;
  timer = setInterval(() => {
    for (const d of drones) d.tick(dt);
  }, tickMs);
  timer.unref();
  return {
    drones,
    seed,
    drone(sysid: number): SimDrone {
      const d = drones.find((x) => x.sysid === sysid);
      if (!d) throw new Error(`no simulated drone with sysid ${sysid} (have ${drones.map((x) => x.sysid).join(', ')})`);
      return d;
    },
    close,
  };
}
