/**
 * npm run sim -- --count 3 --link udpout://127.0.0.1:14550 [--autopilot px4] [--home LAT,LON[,ALT]] ...
 * Runs simulated ArduCopters (or PX4 copters) as their own process (see USAGE).
 */
import { parseArgs } from 'node:util';
import { linkUriWithKey, redactLinkUri } from '../links/uri.ts';
import { missionFaultSchema, linkFaultsSchema, startControlServer } from './control-http.ts';
import type { SimDrone } from './drone.ts';
import type { AutopilotKind } from './firmware.ts';
import { SquadronOptionsError, startSquadron, type SquadronOptions } from './squadron.ts';

const USAGE = `Simulated copter squadron (MAVLink 2, one system per drone): ArduCopter 4.x, or PX4 1.17

  npm run sim -- [options]

  --count N               drones (default 1)
  --autopilot KIND        ardupilot (default) or px4: PX4's modes, mission protocol, ~50 Hz streams,
                          texts and habits, as a live PX4 SITL showed them (server/sim/README.md)
  --link URI              udpout://HOST:PORT (default udpout://127.0.0.1:14550), tcpout://HOST:PORT,
                          tcpin://HOST:PORT or udpin://HOST:PORT (drone i on PORT+10*i, like SITL)
  --key PASSPHRASE        sign every packet (MAVLink 2 signing) and drop unsigned, badly signed and
                          replayed ones, as ArduPilot does with a key set; also hex:64HEX, or ?key= on
                          --link. Env SIM_SIGNING_KEY keeps it out of the process list
  --home LAT,LON[,ALT]    drone 1's home (default 28.37,121.38,10: Wenling); the others line up eastwards
  --spacing M             metres between homes (default 29.4)
  --sysid-base N          first sysid (default 1)
  --seed N                replay a run: seeds every random choice (default from the clock, printed)
  --boot-delay S          seconds until GUIDED arming works, as the EKF needs (default 5; real: 20-40)
  --gps-fix-delay S       seconds until the first GPS fix (default 2)
  --speedup X             simulated seconds per real second (default 1)
  --mission-request KIND  request | request-int: how uploads are asked for (default request, as ArduPilot;
                          PX4 always asks with request-int)
  --param NAME=VALUE      set a simulator parameter (ArduPilot's names, also as PX4) on every drone
                          (repeatable), e.g. BATT_LOW_VOLT=11.4
  --gcs-failsafe          RTL when the ground station's heartbeat stops for 5 s (FS_GCS_ENABLE=1; off by default)
  --demo                  TRAINING ONLY (ArduCopter): each drone arms itself and flies a loop until a
                          ground station commands it
  --control-port PORT     JSON control endpoint on 127.0.0.1:PORT (GET /drones, POST /drones/SYSID/ACTION)
  --camera-to HOST:PORT   each drone's camera sends H.264 over RTP/UDP to HOST:PORT+i (default
                          127.0.0.1:5600, QGroundControl's port) and announces it with
                          VIDEO_STREAM_INFORMATION; needs the optional npm ffmpeg
  --camera-size WxH       the camera's picture (default 960x540, 25 fps, 1.5 Mbit/s)
  --no-camera             no video

Faults (repeatable; VALUE applies to every drone, SYSID:VALUE to one):
  --loss P  --duplicate P  --reorder P  --corrupt P   per-packet probabilities 0..1
  --delay MS                                         extra link latency
  --gps-loss SYSID|all  --refuse-arm SYSID|all  --low-battery SYSID|all  --link-drop SYSID|all
  --mission-fault [SYSID:]KIND[:SEQ]                 e.g. upload-no-request, 2:upload-error-ack:1, download-no-item:3
  --help`;

class UsageError extends Error {}

const OPTIONS = {
  count: { type: 'string' },
  autopilot: { type: 'string' },
  link: { type: 'string' },
  home: { type: 'string' },
  spacing: { type: 'string' },
  'sysid-base': { type: 'string' },
  seed: { type: 'string' },
  'boot-delay': { type: 'string' },
  'gps-fix-delay': { type: 'string' },
  speedup: { type: 'string' },
  'mission-request': { type: 'string' },
  param: { type: 'string', multiple: true },
  'gcs-failsafe': { type: 'boolean' },
  demo: { type: 'boolean' },
  'control-port': { type: 'string' },
  'camera-to': { type: 'string' },
  'camera-size': { type: 'string' },
  'no-camera': { type: 'boolean' },
  key: { type: 'string' },
  loss: { type: 'string', multiple: true },
  duplicate: { type: 'string', multiple: true },
  reorder: { type: 'string', multiple: true },
  corrupt: { type: 'string', multiple: true },
  delay: { type: 'string', multiple: true },
  'gps-loss': { type: 'string', multiple: true },
  'refuse-arm': { type: 'string', multiple: true },
  'low-battery': { type: 'string', multiple: true },
  'link-drop': { type: 'string', multiple: true },
  'mission-fault': { type: 'string', multiple: true },
  help: { type: 'boolean' },
} as const;

function num(flag: string, text: string | undefined, integer = false): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${flag} ${text}: expected ${integer ? 'a whole number' : 'a number'}`);
  }
  return v;
}

function parseHome(text: string | undefined): SquadronOptions['home'] {
  if (text === undefined) return undefined;
  const parts = text.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length < 2 || parts.length > 3 || nums.some((n, i) => !Number.isFinite(n) || parts[i] === '')) {
    throw new UsageError(`--home ${text}: expected LAT,LON or LAT,LON,ALT in degrees and metres, e.g. 28.37,121.38,10`);
  }
  return { lat: nums[0]!, lon: nums[1]!, altMsl: nums[2] };
}

function parseParams(list: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of list ?? []) {
    const m = /^([A-Z0-9_]+)=(.+)$/.exec(p);
    if (!m || !Number.isFinite(Number(m[2]))) throw new UsageError(`--param ${p}: expected NAME=NUMBER, e.g. BATT_LOW_VOLT=11.4`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function parseCamera(to: string | undefined, size: string | undefined): SquadronOptions['camera'] {
  const m = /^(.+):(\d{1,5})$/.exec(to ?? '127.0.0.1:5600');
  if (!m) throw new UsageError(`--camera-to ${to}: expected HOST:PORT, e.g. 127.0.0.1:5600`);
  const s = /^(\d{2,4})x(\d{2,4})$/.exec(size ?? '960x540');
  if (!s || Number(s[1]) % 2 || Number(s[2]) % 2) throw new UsageError(`--camera-size ${size}: expected WIDTHxHEIGHT in even numbers, e.g. 960x540`);
  return { host: m[1]!, basePort: Number(m[2]), width: Number(s[1]), height: Number(s[2]), log: (line) => console.log(line) };
}

/** "VALUE" for every drone or "SYSID:VALUE" for one. */
function perDrone(flag: string, list: string[] | undefined): { sysid: number | null; value: string }[] {
  return (list ?? []).map((item) => {
    const m = /^(\d+):(.+)$/.exec(item);
    return m ? { sysid: Number(m[1]), value: m[2]! } : { sysid: null, value: item };
  }).map((x) => {
    if (x.value === '') throw new UsageError(`--${flag} ${x.sysid}: missing value after the sysid`);
    return x;
  });
}

/** SYSID or "all" for switch-like faults. */
function targets(flag: string, list: string[] | undefined): (number | null)[] {
  return (list ?? []).map((v) => {
    if (v === 'all') return null;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${flag} ${v}: expected a sysid or "all"`);
    return Number(v);
  });
}

/** The link URI with the --key flag's key added (once: not also as ?key= on --link). */
function withKey(link: string, key: string | undefined): string {
  if (key === undefined || key === '') return link;
  if (/[?&]key=/.test(link)) throw new UsageError('give the signing key once: --key (or SIM_SIGNING_KEY) or ?key= on --link, not both');
  return linkUriWithKey(link, key);
}

interface Plan {
  options: SquadronOptions;
  controlPort?: number;
  apply: (drones: SimDrone[]) => void;
}

function parseCli(argv: string[]): Plan | 'help' {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const params = parseParams(values.param);
  if (values['gcs-failsafe']) params.FS_GCS_ENABLE = 1;
  const mr = values['mission-request'];
  if (mr !== undefined && mr !== 'request' && mr !== 'request-int') throw new UsageError(`--mission-request ${mr}: expected request or request-int`);
  const autopilot = values.autopilot ?? 'ardupilot';
  if (autopilot !== 'ardupilot' && autopilot !== 'px4') throw new UsageError(`--autopilot ${autopilot}: expected ardupilot or px4`);
  const options: SquadronOptions = {
    count: num('count', values.count, true) ?? 1,
    autopilot: autopilot satisfies AutopilotKind,
    link: withKey(values.link ?? 'udpout://127.0.0.1:14550', values.key ?? process.env.SIM_SIGNING_KEY),
    home: parseHome(values.home),
    spacingM: num('spacing', values.spacing),
    sysidBase: num('sysid-base', values['sysid-base'], true),
    seed: num('seed', values.seed, true),
    bootDelayS: num('boot-delay', values['boot-delay']),
    gpsFixDelayS: num('gps-fix-delay', values['gps-fix-delay']),
    speedup: num('speedup', values.speedup),
    missionRequest: mr === undefined ? undefined : mr === 'request-int' ? 'MISSION_REQUEST_INT' : 'MISSION_REQUEST',
    demo: values.demo ?? false,
    params,
    camera: values['no-camera'] ? undefined : parseCamera(values['camera-to'], values['camera-size']),
  };
  const faults: { sysid: number | null; apply: (d: SimDrone) => void }[] = [];
  for (const flag of ['loss', 'duplicate', 'reorder', 'corrupt', 'delay'] as const) {
    for (const { sysid, value } of perDrone(flag, values[flag])) {
      const key = flag === 'delay' ? 'delayMs' : flag;
      const parsed = linkFaultsSchema.safeParse({ [key]: num(flag, value) });
      if (!parsed.success) throw new UsageError(`--${flag} ${value}: ${parsed.error.issues[0]!.message}`);
      faults.push({ sysid, apply: (d) => d.setLinkFaults({ ...d.link.faults.down, ...parsed.data }) });
    }
  }
  const switches = {
    'gps-loss': (d: SimDrone) => d.loseGps(),
    'refuse-arm': (d: SimDrone) => d.refuseArm(),
    'low-battery': (d: SimDrone) => d.lowBatteryNow(),
    'link-drop': (d: SimDrone) => d.dropLink(),
  } as const;
  for (const [flag, fn] of Object.entries(switches)) {
    for (const sysid of targets(flag, values[flag as keyof typeof switches])) faults.push({ sysid, apply: fn });
  }
  for (const { sysid, value } of perDrone('mission-fault', values['mission-fault'])) {
    const [kind, seq, ...rest] = value.split(':');
    const raw = seq === undefined ? { kind } : { kind, seq: num('mission-fault', seq, true) };
    const parsed = missionFaultSchema.safeParse(raw);
    if (!parsed.success || rest.length > 0)
      throw new UsageError(
        `--mission-fault ${value}: expected KIND[:SEQ] with KIND one of ${
          missionFaultSchema.options.map((o) => o.shape.kind.value).join(', ')
        } (SEQ only and always for kinds naming an item)`,
      );
    faults.push({ sysid, apply: (d) => d.addMissionFault(parsed.data) });
  }
  const controlPort = num('control-port', values['control-port'], true);
  if (controlPort !== undefined && (controlPort < 0 || controlPort > 65535)) throw new UsageError(`--control-port ${controlPort}: expected a port 0-65535`);
  return {
    options,
    controlPort,
    apply(drones) {
      for (const f of faults) {
        const ds = f.sysid === null ? drones : drones.filter((d) => d.sysid === f.sysid);
        if (ds.length === 0) throw new UsageError(`a fault names sysid ${f.sysid}, but the drones are ${drones.map((d) => d.sysid).join(', ')}`);
        ds.forEach(f.apply);
      }
    },
  };
}

async function main(): Promise<void> {
  const plan = parseCli(process.argv.slice(2));
  if (plan === 'help') {
    console.log(USAGE);
    return;
  }
  const squadron = await startSquadron(plan.options);
  try {
    plan.apply(squadron.drones);
  } catch (err) {
    await squadron.close();
    throw err;
  }
  const control = plan.controlPort === undefined ? null : await startControlServer(squadron, plan.controlPort);
  const o = plan.options;
  console.log(
    `sim: ${o.count} drone(s) on ${redactLinkUri(o.link)}${/[?&]key=/.test(o.link) ? ' (signed)' : ''}${
      o.autopilot === 'px4' ? ' as PX4' : ''
    }, seed ${squadron.seed}${o.demo ? ', DEMO pilot flying them' : ''}`,
  );
  for (const d of squadron.drones) {
    const s = d.status();
    const video = d.camera ? `, video to ${o.camera?.host}:${d.camera.info.port}` : '';
    console.log(`sim: sysid ${d.sysid} at ${s.lat.toFixed(7)},${s.lon.toFixed(7)}${d.port !== undefined ? `, port ${d.port}` : ''}${video}`);
  }
  if (control) {
    const addr = control.address();
    console.log(`sim: control endpoint http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : plan.controlPort}/drones`);
  }
  const stop = async () => {
    control?.close();
    await squadron.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(`sim: ${(err as Error).message}`);
  if (err instanceof UsageError || err instanceof SquadronOptionsError) console.error('run with --help for the options');
  process.exit(2);
});
