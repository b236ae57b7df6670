import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseLinkUri, LinkUriError } from './links/uri.ts';

export interface Config {
  links: string[];
  port: number;
  host: string;
  dataDir: string;
  missionsDir: string;
  /** built-in simulated drones (0 = none) */
  sim: number;
  sysid: number;
  compid: number;
  /** Leaflet tile URL template; empty = plain background */
  tileUrl: string | null;
  /** record every link's traffic as .tlog under dataDir/tlogs */
  recordTlogs: boolean;
  /** first admin's password (env SKYBEAT_ADMIN_PASSWORD only: never a flag, which `ps` would show) */
  adminPassword?: string;
}

export class ConfigError extends Error {}

export const HELP = `SkyBeat — drone patrol telemetry and mission service

Usage: npm start -- [options]

  --link URI         a MAVLink link; repeat for several (env SKYBEAT_LINKS, comma-separated)
                       udpin://0.0.0.0:14550     listen for drones (many behind one port)
                       udpout://HOST:PORT        send to one drone / companion computer
                       tcpout://127.0.0.1:5760   connect to ArduPilot SITL or a TCP bridge
                       tcpin://0.0.0.0:5760      accept TCP connections
                       serial:///dev/ttyUSB0:57600  a telemetry radio (reopened when replugged)
                       tlog://FILE.tlog?speed=1  replay a recorded telemetry log
  --sim N            start N simulated drones (default 3 when no --link is given, else 0; env SKYBEAT_SIM)
  --port N           HTTP port (default 8080; env PORT)
  --host ADDR        HTTP bind address (default 0.0.0.0; env SKYBEAT_HOST)
  --data DIR         data folder: telemetry logs, database (default ./data; env SKYBEAT_DATA)
  --missions DIR     patrol routes folder (default ./missions; env SKYBEAT_MISSIONS)
  --sysid N          our MAVLink system id (default 255; env SKYBEAT_SYSID)
  --compid N         our MAVLink component id (default 190; env SKYBEAT_COMPID)
  --tiles URL        map tile URL template, or "none" for a plain background
                     (default https://tile.openstreetmap.org/{z}/{x}/{y}.png; env SKYBEAT_TILES)
  --no-tlog          do not record telemetry logs

Environment only: SKYBEAT_ADMIN_PASSWORD  password of the "admin" account created on first start
                   (without it a random one is printed once)
  --help             show this help
`;

const DEFAULT_TILES = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

function intIn(name: string, min: number, max: number) {
  return z.coerce.number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });
}

/** Read flags, then environment, then defaults. Throws ConfigError naming the bad flag and value. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        link: { type: 'string', multiple: true },
        sim: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        missions: { type: 'string' },
        sysid: { type: 'string' },
        compid: { type: 'string' },
        tiles: { type: 'string' },
        'no-tlog': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Run with --help for the options.`);
  }
  const o = parsed.values;
  if (o.help) return 'help';

  const links = o.link ?? (env.SKYBEAT_LINKS ? env.SKYBEAT_LINKS.split(',').map((s) => s.trim()).filter(Boolean) : []);
  for (const uri of links) {
    try {
      parseLinkUri(uri);
    } catch (err) {
      if (err instanceof LinkUriError) throw new ConfigError(`--link ${err.message}`);
      throw err;
    }
  }
  const pick = (flag: string, value: string | undefined, envName: string, fallback: string) => ({
    flag: value !== undefined ? `--${flag}` : env[envName] !== undefined ? envName : `--${flag}`,
    value: value ?? env[envName] ?? fallback,
  });
  const num = (flag: string, value: string | undefined, envName: string, fallback: number, min: number, max: number) => {
    const p = pick(flag, value, envName, String(fallback));
    const r = intIn(p.flag, min, max).safeParse(p.value);
    if (!r.success) throw new ConfigError(`${r.error.issues[0]!.message} (got "${p.value}")`);
    return r.data;
  };
  const tiles = pick('tiles', o.tiles, 'SKYBEAT_TILES', DEFAULT_TILES).value;
  return {
    links,
    sim: num('sim', o.sim, 'SKYBEAT_SIM', links.length === 0 ? 3 : 0, 0, 250),
    port: num('port', o.port, 'PORT', 8080, 0, 65535),
    host: pick('host', o.host, 'SKYBEAT_HOST', '0.0.0.0').value,
    dataDir: pick('data', o.data, 'SKYBEAT_DATA', './data').value,
    missionsDir: pick('missions', o.missions, 'SKYBEAT_MISSIONS', './missions').value,
    sysid: num('sysid', o.sysid, 'SKYBEAT_SYSID', 255, 1, 255),
    compid: num('compid', o.compid, 'SKYBEAT_COMPID', 190, 1, 255),
    tileUrl: tiles === '' || tiles === 'none' ? null : tiles,
    recordTlogs: !o['no-tlog'],
    adminPassword: env.SKYBEAT_ADMIN_PASSWORD || undefined,
  };
}
