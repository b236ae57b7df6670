import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { normalOrigin } from './http/origin.ts';
import { parseStoreUrl, redact as redactStoreUrl } from './store/connection.ts';
import { linkUriWithKey, namedLink, parseLinkUri, redactLinkUri } from './links/uri.ts';
import { CLUSTER_SECRET_MIN, type ClusterSettings, NODE_NAME } from './cluster/node.ts';
import os from 'node:os';
import { DEFAULT_NUMBERING, isTimeZone, STATION_CODE, type ServiceOptions, type WaterArea, waterAreasFromGeoJson } from './service.ts';
import { parseVideoUri, redactVideoUri } from './video/video-uri.ts';
import { CITY_SCOPE, DEFAULT_STATION_ID, STATION_ID } from './wire/types.ts';
import { DEFAULT_CEILING_M, DEFAULT_ENDURANCE_S, DEFAULT_RESERVE_PERCENT } from './wire/route-rules.ts';

/**
 * Every setting, with its default. The configuration file (skybeat.config.json, or --config)
 * holds any of these keys; environment variables and flags override the file.
 */
const latLon = z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)]);
const polygon = z.array(latLon).min(3, 'a polygon needs at least 3 points');
const linkUri = z.string().superRefine((s, ctx) => {
  try {
    parseLinkUri(namedLink(s, 0).uri);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});
const videoUri = z.string().superRefine((s, ctx) => {
  try {
    parseVideoUri(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});
/**
 * A link is a URI, or ID=URI to name it, or in the file { "id": ID, "uri": URI, "key": PASSPHRASE or "hex:64HEX" } so the signing
 * key can sit apart from the URI; it becomes the URI's ?key= option. Either way the key is only
 * ever shown redacted (see redactLinkUri).
 */
const linkWithKey = z.object({ id: z.string().optional(), uri: z.string(), key: z.string().min(1).optional() }).strict()
  .refine((l) => !(l.key && /[?&]key=/.test(l.uri)), { message: 'give the signing key once: in "key" or as ?key= in "uri", not both' })
  .transform((l) => {
    const uri = l.key ? linkUriWithKey(l.uri, l.key) : l.uri;
    return l.id === undefined ? uri : `${l.id}=${uri}`;
  });
// Not z.union: its "Invalid input" would hide which part of a link was wrong.
const link = z.unknown().transform((v, ctx) => {
  const r = (typeof v === 'object' && v !== null ? linkWithKey : z.string()).safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
}).pipe(linkUri);

export const ConfigSchema = z.object({
  links: z.array(link).default([]).superRefine((links, ctx) => {
    // (a link whose id is wrong was told above, by its own check)
    const ids = links.map((l, i) => {
      try {
        return namedLink(l, i).id;
      } catch {
        return null;
      }
    });
    ids.forEach((id, i) => {
      if (id !== null && ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', message: `link id "${id}" is given twice`, path: [i] });
    });
  }),
  /**
   * A city: several nodes on one PostgreSQL and one Redis (server/cluster/). redis null: this node runs alone.
   * The bus's shared secret comes from SKYBEAT_CLUSTER_SECRET only, never a file or a flag.
   */
  cluster: z.object({
    redis: z.string().regex(/^rediss?:\/\//, 'a Redis URL, redis://HOST:6379 (or rediss:// for TLS)').nullable().default(null),
    node: z.string().regex(NODE_NAME, 'a lower-case letter, then up to 31 lower-case letters, digits or "-", e.g. "hf"').nullable().default(null),
    /** where the other nodes reach this one over HTTP (a drone's live video); null: http(s)://HOST:PORT, 127.0.0.1 when bound to all */
    url: z.string().regex(/^https?:\/\/[^/?#@\s]+\/?$/, "this node's base URL as the other nodes reach it, http://HOST:PORT (no path)")
      .transform((u) => u.replace(/\/$/, '')).nullable().default(null),
  }).strict().prefault({}),
  /** simulated drones; null: 3 when there are no links, else none */
  sim: z.number().int().min(0).max(250).nullable().default(null),
  port: z.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).nullable().default(null),
  data: z.string().min(1).default('./data'),
  /** the store: sqlite:PATH or postgres://…; null: the SQLite file in the data folder (store/connection.ts) */
  database: z.string().min(1).nullable().default(null).superRefine((url, ctx) => {
    if (url === null) return;
    try {
      parseStoreUrl(url);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }),
  missions: z.string().min(1).default('./missions'),
  sysid: z.number().int().min(1).max(255).default(255),
  compid: z.number().int().min(1).max(255).default(190),
  /**
   * map tiles: a URL template, "none" (plain background), a preset ("osm", "amap",
   * "tianditu:KEY"), a folder of z/x/y tiles or an .mbtiles file — or all of it spelled out
   */
  tiles: z.union([
    z.string(),
    z.object({
      url: z.string().optional(),
      attribution: z.string().optional(),
      subdomains: z.string().optional(),
      maxZoom: z.number().int().min(1).max(24).optional(),
      gcj02: z.boolean().optional(),
      localDir: z.string().optional(),
      mbtiles: z.string().optional(),
    }).strict(),
  ]).default('osm'),
  tlog: z.object({
    enabled: z.boolean().default(true),
    maxAgeDays: z.number().positive().default(30),
    maxTotalMB: z.number().positive().default(2000),
  }).prefault({}),
  /** flight tracks older than this are deleted (the runs' records stay) */
  trackDays: z.number().positive().default(180),
  /** audit entries older than this are deleted */
  auditDays: z.number().positive().default(365),
  /** web pages of other origins allowed to use the API and live stream (the service's own always are) */
  allowedOrigins: z.array(
    z.string().transform((s, ctx) => {
      try {
        return normalOrigin(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  ).default([]),
  /**
   * Behind a balancer or TLS proxy: the addresses whose X-Forwarded-For is believed (Express's
   * "trust proxy": "loopback", "uniquelocal", CIDRs, a hop count). Otherwise every request seems to
   * come from the proxy, and the login limits and the audit see one address for the whole city.
   */
  trustProxy: z.union([z.literal(false), z.number().int().min(1).max(10), z.string().min(1), z.array(z.string().min(1)).min(1)]).default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  station: z.object({
    /** this node's station: its drones belong to it, its users may be scoped to it (wire/types.ts STATION_ID) */
    id: z.string().regex(STATION_ID, 'a lower-case letter, then up to 31 lower-case letters, digits or "-", e.g. "hf"').refine((s) => s !== CITY_SCOPE, {
      message: `"${CITY_SCOPE}" is the scope of the whole city, not a station`,
    }).default(DEFAULT_STATION_ID),
    name: z.string().default(''),
    /** the short code that starts every incident number (HF-20261202-003) */
    code: z.string().regex(STATION_CODE, 'a capital letter then up to 7 capital letters or digits, e.g. "HF"').default(DEFAULT_NUMBERING.code),
    /** IANA zone whose midnight starts a new day of incident numbers */
    timeZone: z.string().refine(isTimeZone, { error: (issue) => `unknown time zone "${String(issue.input)}" (an IANA name, e.g. "Asia/Shanghai")` }).default(
      DEFAULT_NUMBERING.timeZone,
    ),
    lat: z.number().min(-90).max(90).default(28.37),
    lon: z.number().min(-180).max(180).default(121.38),
    /** ground alerts farther than this from the station are refused */
    radiusKm: z.number().positive().default(50),
    /** drones stay inside this polygon ([lat, lon] points), when given */
    geofence: polygon.nullable().default(null),
    noFly: z.array(z.object({ name: z.string().min(1), polygon })).default([]),
    /** water a drone is not sent to a point over (sea, reservoir, river): as no-fly zones, with land inside as holes… */
    water: z.array(z.object({ name: z.string().min(1), polygon, holes: z.array(polygon).default([]) }).strict()).default([]),
    /** …and from GeoJSON files (Polygons and MultiPolygons, named by their "name" property), read at start */
    waterFiles: z.array(z.string().min(1)).default([]),
    ceilingM: z.number().positive().max(1000).default(DEFAULT_CEILING_M),
    /** height above home a drone sent to a point flies at and holds (drone to the scene) */
    transitAltM: z.number().positive().max(1000).default(60),
  }).refine((s) => s.transitAltM <= s.ceilingM, { message: 'must not be above station.ceilingM', path: ['transitAltM'] }).prefault({}),
  preflight: z.object({
    minSatellites: z.number().int().min(0).default(6),
    minBatteryPercent: z.number().min(0).max(100).default(50),
    // The station's one battery reserve: the route check, the preflight and the route editor read it.
    reservePercent: z.number().min(0).max(100).default(DEFAULT_RESERVE_PERCENT),
    enduranceMin: z.number().positive().default(DEFAULT_ENDURANCE_S / 60),
    maxLinkLossPercent: z.number().min(0).max(100).default(20),
    offRouteM: z.number().positive().default(50),
    armTimeoutS: z.number().positive().default(90),
  }).prefault({}),
  alerts: z.object({
    batteryLowPercent: z.number().min(0).max(100).default(30),
    batteryCriticalPercent: z.number().min(0).max(100).default(15),
    minSatellites: z.number().int().min(0).default(6),
    maxHdop: z.number().positive().default(2.5),
    gpsGraceS: z.number().min(0).default(3),
  }).prefault({}),
  dispatch: z.object({
    waveSize: z.number().int().min(1).max(50).default(2),
    escalateAfterS: z.number().positive().default(60),
    assumedSpeedMps: z.number().positive().default(5),
    phoneOfflineGraceS: z.number().min(0).default(60),
    /** ground alerts one user may raise a minute (more are refused with 429) */
    createPerMinute: z.number().int().min(1).default(20),
  }).prefault({}),
  schedule: z.object({
    leadMin: z.number().min(0).default(10),
    graceMin: z.number().min(0).default(30),
    /** docked drones (vehicle ids) allowed to launch by themselves at a route's time */
    autoLaunch: z.array(z.string()).default([]),
  }).prefault({}),
  video: z.object({
    /**
     * drone (vehicle id like "l1-3", or sysid like "3") → camera URI: rtp://HOST:PORT (RTP over UDP,
     * ?codec=h265), rtsp://USER:PASS@HOST/PATH. A drone that announces its stream over MAVLink needs none.
     */
    sources: z.record(z.string().min(1), videoUri).default({}),
    /** the simulated drones' cameras send to 127.0.0.1:simCameraPort + i (QGroundControl's 5600); null: none */
    simCameraPort: z.number().int().min(1).max(65535).nullable().default(5600),
    /** each run's video, recorded into DATA/recordings while it flies; kept within an age and a total size, as telemetry logs */
    recordings: z.object({
      enabled: z.boolean().default(true),
      maxAgeDays: z.number().positive().default(30),
      maxTotalMB: z.number().positive().default(20_000),
    }).strict().prefault({}),
  }).prefault({}),
}).strict();

export type Config = z.infer<typeof ConfigSchema> & {
  sim: number;
  /** from SKYBEAT_ADMIN_PASSWORD only: never a flag, which `ps` would show */
  adminPassword?: string;
  /** the file read, if any */
  configFile: string | null;
  /** --print-config: show the resolved configuration and exit */
  printOnly: boolean;
  /** the areas of station.waterFiles, read */
  waterFromFiles: WaterArea[];
  /** this node's city (cluster.redis set), with its secret; null: it runs alone */
  city: ClusterSettings | null;
};

export class ConfigError extends Error {}

export const DEFAULT_CONFIG_FILE = 'skybeat.config.json';

const FLAGS = {
  config: { type: 'string' },
  link: { type: 'string', multiple: true },
  sim: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  data: { type: 'string' },
  database: { type: 'string' },
  missions: { type: 'string' },
  sysid: { type: 'string' },
  compid: { type: 'string' },
  tiles: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'log-level': { type: 'string' },
  'no-tlog': { type: 'boolean' },
  'sim-camera': { type: 'string' },
  redis: { type: 'string' },
  node: { type: 'string' },
  'print-config': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function help(): string {
  const d = ConfigSchema.parse({});
  return `SkyBeat — drone patrol telemetry and mission service

Usage: npm start -- [options]

  --config FILE      configuration file (default ./${DEFAULT_CONFIG_FILE} when it exists; env SKYBEAT_CONFIG)
  --link URI         a MAVLink link; repeat for several (env SKYBEAT_LINKS, comma-separated)
                       udpin://0.0.0.0:14550     listen for drones (many behind one port)
                       udpout://HOST:PORT        send to one drone / companion computer
                       tcpout://127.0.0.1:5760   connect to ArduPilot SITL or a TCP bridge
                       tcpin://0.0.0.0:5760      accept TCP connections
                       serial:///dev/ttyUSB0:57600  a telemetry radio (reopened when replugged)
                       tlog://FILE.tlog?speed=1  replay a recorded telemetry log
                     add ?key=PASSPHRASE (or ?key=hex:64HEX) to a drone link to sign and check
                     MAVLink 2 packets on it; better kept in the configuration file than on the
                     command line, where \`ps\` shows it
  --sim N            simulated drones (default 3 when no link is given, else 0; env SKYBEAT_SIM)
  --port N           HTTP(S) port (default ${d.port}; env PORT)
  --host ADDR        bind address (default ${d.host}; env SKYBEAT_HOST)
  --tls-cert FILE    serve HTTPS with this certificate (PEM) …
  --tls-key FILE     … and this key (env SKYBEAT_TLS_CERT, SKYBEAT_TLS_KEY)
  --data DIR         database and telemetry logs (default ${d.data}; env SKYBEAT_DATA)
  --database URL     the store: sqlite:PATH, or postgres://USER@HOST:5432/DB for a city's shared
                     PostgreSQL (default sqlite:DATA/skybeat.db; env SKYBEAT_DATABASE_URL)
  --missions DIR     patrol routes (default ${d.missions}; env SKYBEAT_MISSIONS)
  --sysid N          our MAVLink system id (default ${d.sysid}; env SKYBEAT_SYSID)
  --compid N         our MAVLink component id (default ${d.compid}; env SKYBEAT_COMPID)
  --tiles SOURCE     map tiles: a URL template, osm, amap, tianditu:KEY, a folder of z/x/y tiles,
                     an .mbtiles file, or none for a plain background (default osm; env SKYBEAT_TILES)
  --log-level L      fatal, error, warn, info, debug, trace (default ${d.logLevel}; env LOG_LEVEL)
  --no-tlog          do not record telemetry logs
  --sim-camera P|off the simulated drones' cameras send RTP/UDP to 127.0.0.1:P+i and announce it
                     (default ${d.video.simCameraPort}, QGroundControl's port; env SKYBEAT_SIM_CAMERA)
  --redis URL        join a city: the Redis its nodes share (redis://HOST:6379; env SKYBEAT_REDIS_URL);
                     needs --database postgres://… (the city's one store), SKYBEAT_CLUSTER_SECRET and
                     links named ID=URI (hf1=udpin://0.0.0.0:14550), so a radio's drones keep their
                     names on whichever node serves it
  --node NAME        this node's name in the city (env SKYBEAT_NODE; default the host name); the
                     other nodes reach it at cluster.url (env SKYBEAT_NODE_URL; default
                     http://HOST:PORT, 127.0.0.1 when it listens on all addresses)
  --print-config     print the resolved configuration as JSON and exit
  --help             show this help

Environment only: SKYBEAT_ADMIN_PASSWORD  password of the "admin" account created on first start
                   (without it a random one is printed once)
                  SKYBEAT_CLUSTER_SECRET  a city's shared secret (at least ${CLUSTER_SECRET_MIN} characters): every
                   message between its nodes is signed with it
                  SKYBEAT_ALLOWED_ORIGINS  other web origins allowed to use the service, comma-separated
                   (file key allowedOrigins; the service's own origin always is)
                  SKYBEAT_TRUST_PROXY  behind a balancer: whose X-Forwarded-For to believe, e.g.
                   uniquelocal, 10.0.0.2, or a hop count (file key trustProxy; default none)
Everything else (station, geofence and no-fly zones, preflight limits, alert thresholds, officer
dispatch, schedules, telemetry-log and video-recording limits) is set in the configuration file; see the README.
`;
}

/** Describe zod issues with the key path, as "station.lat: …". */
function issues(error: z.ZodError, source: string): string {
  return error.issues.map((i) => `${source}: ${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('\n');
}

/**
 * Resolve the configuration: defaults, then the file, then environment, then flags.
 * Throws ConfigError naming the file key, variable or flag and the bad value.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config | 'help' {
  let o;
  try {
    o = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Run with --help for the options.`);
  }
  if (o.help) return 'help';

  const explicit = o.config ?? env.SKYBEAT_CONFIG;
  const file = explicit ?? (fs.existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null);
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `${o.config ? '--config' : 'SKYBEAT_CONFIG'} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      );
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`${file}: not valid JSON: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${file}: must hold a JSON object of settings`);
  }
  const fromFile = ConfigSchema.safeParse(raw);
  if (!fromFile.success) throw new ConfigError(issues(fromFile.error, file ?? 'defaults'));

  // Overrides, each remembered with where it came from so an error can name it.
  const over: { key: string; source: string; value: unknown }[] = [];
  // Numbers from text; anything else stays text, so the schema says what is wrong with it.
  const int = (text: string) => (/^-?\d+$/.test(text.trim()) ? Number(text) : text);
  const pick = (key: string, flag: string, flagValue: string | undefined, envName: string, conv: (s: string) => unknown = (s) => s) => {
    if (flagValue !== undefined) over.push({ key, source: `--${flag}`, value: conv(flagValue) });
    else if (env[envName] !== undefined && env[envName] !== '') over.push({ key, source: envName, value: conv(env[envName]!) });
  };
  if (o.link) over.push({ key: 'links', source: '--link', value: o.link });
  else if (env.SKYBEAT_LINKS) over.push({ key: 'links', source: 'SKYBEAT_LINKS', value: env.SKYBEAT_LINKS.split(',').map((s) => s.trim()).filter(Boolean) });
  pick('sim', 'sim', o.sim, 'SKYBEAT_SIM', int);
  pick('port', 'port', o.port, 'PORT', int);
  pick('host', 'host', o.host, 'SKYBEAT_HOST');
  pick('data', 'data', o.data, 'SKYBEAT_DATA');
  pick('database', 'database', o.database, 'SKYBEAT_DATABASE_URL');
  pick('missions', 'missions', o.missions, 'SKYBEAT_MISSIONS');
  pick('sysid', 'sysid', o.sysid, 'SKYBEAT_SYSID', int);
  pick('compid', 'compid', o.compid, 'SKYBEAT_COMPID', int);
  pick('tiles', 'tiles', o.tiles, 'SKYBEAT_TILES');
  pick('logLevel', 'log-level', o['log-level'], 'LOG_LEVEL');
  if (env.SKYBEAT_TRUST_PROXY) {
    const t = env.SKYBEAT_TRUST_PROXY.trim();
    over.push({ key: 'trustProxy', source: 'SKYBEAT_TRUST_PROXY', value: /^\d+$/.test(t) ? Number(t) : t.split(',').map((x) => x.trim()).filter(Boolean) });
  }
  if (env.SKYBEAT_ALLOWED_ORIGINS)
    over.push({
      key: 'allowedOrigins',
      source: 'SKYBEAT_ALLOWED_ORIGINS',
      value: env.SKYBEAT_ALLOWED_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    });
  const cert = o['tls-cert'] ?? env.SKYBEAT_TLS_CERT;
  const key = o['tls-key'] ?? env.SKYBEAT_TLS_KEY;
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError('--tls-cert and --tls-key go together: give both, or neither');
  if (cert && key) over.push({ key: 'tls', source: '--tls-cert/--tls-key', value: { cert, key } });

  const merged: Record<string, unknown> = { ...fromFile.data };
  for (const { key: k, value } of over) merged[k] = value;
  if (o['no-tlog']) merged.tlog = { ...(merged.tlog as object), enabled: false };
  const simCamera = o['sim-camera'] ?? (env.SKYBEAT_SIM_CAMERA || undefined);
  if (simCamera !== undefined) {
    const port = simCamera === 'off' ? null : int(simCamera);
    if (port !== null && !(typeof port === 'number' && port >= 1 && port <= 65535)) {
      throw new ConfigError(`${o['sim-camera'] !== undefined ? '--sim-camera' : 'SKYBEAT_SIM_CAMERA'} "${simCamera}": expected a UDP port 1-65535, or off`);
    }
    merged.video = { ...(merged.video as object), simCameraPort: port };
  }
  const cluster = { ...(merged.cluster as object) } as Record<string, unknown>;
  const redisGiven = o.redis ?? (env.SKYBEAT_REDIS_URL || undefined);
  if (redisGiven !== undefined) {
    cluster.redis = redisGiven;
    over.push({ key: 'cluster.redis', source: o.redis !== undefined ? '--redis' : 'SKYBEAT_REDIS_URL', value: redisGiven });
  }
  const nodeGiven = o.node ?? (env.SKYBEAT_NODE || undefined);
  if (nodeGiven !== undefined) {
    cluster.node = nodeGiven;
    over.push({ key: 'cluster.node', source: o.node !== undefined ? '--node' : 'SKYBEAT_NODE', value: nodeGiven });
  }
  if (env.SKYBEAT_NODE_URL) {
    cluster.url = env.SKYBEAT_NODE_URL;
    over.push({ key: 'cluster.url', source: 'SKYBEAT_NODE_URL', value: env.SKYBEAT_NODE_URL });
  }
  merged.cluster = cluster;
  const final = ConfigSchema.safeParse(merged);
  if (!final.success) {
    const first = final.error.issues[0]!;
    const hit = over.find((x) => x.key === first.path.slice(0, 2).join('.')) ?? over.find((x) => x.key === first.path[0]);
    const source = hit?.source ?? file ?? 'defaults';
    const given = hit?.key === 'cluster.redis' ? redactStoreUrl(String(hit.value)) : hit?.value;
    const value = first.path[0] === 'links' && Array.isArray(given)
      ? given.map((v) => redactLinkUri(String(v)))
      : first.path[0] === 'database' && typeof given === 'string'
      ? redactStoreUrl(given)
      : given;
    throw new ConfigError(
      `${source}${value !== undefined ? ` "${Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : value}"` : ''}: ${
        first.path.length > 1 ? `${first.path.slice(1).join('.')}: ` : ''
      }${first.message}`,
    );
  }
  for (const p of [final.data.tls?.cert, final.data.tls?.key]) {
    if (p && !fs.existsSync(p)) throw new ConfigError(`TLS file ${p}: no such file`);
  }
  // A station's water is read whole or the start stops, naming the file and where in it.
  const waterFromFiles = final.data.station.waterFiles.flatMap((f, i) => {
    try {
      return waterAreasFromGeoJson(JSON.parse(fs.readFileSync(f, 'utf8')) as unknown, f);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? `${f}: no such file` : e instanceof SyntaxError ? `${f}: not valid JSON: ${e.message}` : e.message;
      throw new ConfigError(`${file ?? 'defaults'}: station.waterFiles.${i}: ${why}`);
    }
  });
  return {
    ...final.data,
    sim: final.data.sim ?? (final.data.links.length === 0 ? 3 : 0),
    city: citySettings(final.data, env, file ?? 'defaults'),
    adminPassword: env.SKYBEAT_ADMIN_PASSWORD || undefined,
    configFile: file,
    printOnly: Boolean(o['print-config']),
    waterFromFiles,
  };
}

/**
 * A city node's settings, checked together: one PostgreSQL for the whole city (SQLite is one
 * machine's file), the shared secret, and links named so they can move between nodes.
 */
function citySettings(c: z.infer<typeof ConfigSchema>, env: NodeJS.ProcessEnv, file: string): ClusterSettings | null {
  const { redis } = c.cluster;
  if (redis === null) return null;
  if (!c.database?.startsWith('postgres')) {
    throw new ConfigError(`--redis ${redis}: a city's nodes share one PostgreSQL; give --database postgres://USER@HOST:5432/DB (SKYBEAT_DATABASE_URL)`);
  }
  const secret = env.SKYBEAT_CLUSTER_SECRET ?? '';
  if (secret.length < CLUSTER_SECRET_MIN) {
    throw new ConfigError(
      `SKYBEAT_CLUSTER_SECRET: ${
        secret ? `${secret.length} characters` : 'not set'
      }; a city needs a shared secret of at least ${CLUSTER_SECRET_MIN} characters, the same on every node`,
    );
  }
  const unnamed = c.links.map((l, i) => ({ i, ...namedLink(l, i) })).filter((l) => !l.explicit);
  if (unnamed.length) {
    throw new ConfigError(
      `${file}: links.${
        unnamed[0]!.i
      }: in a city each link needs an id, written ID=URI (hf1=udpin://0.0.0.0:14550) or { "id": "hf1", "uri": … }, so its drones keep their names on whichever node serves it`,
    );
  }
  const host = os.hostname().toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^[^a-z]+/, '').slice(0, 32);
  const node = c.cluster.node ?? host;
  if (!NODE_NAME.test(node)) throw new ConfigError(`the host name "${os.hostname()}" cannot name this node: give --node NAME (SKYBEAT_NODE)`);
  return { redis, node, secret };
}

/** The camera URIs as they may be shown (--print-config, logs): RTSP passwords redacted. */
export function shownVideoSources(c: Config): Record<string, string> {
  return Object.fromEntries(Object.entries(c.video.sources).map(([k, v]) => [k, redactVideoUri(v)]));
}

/** The configuration file's terms, in the service's. */
export function serviceOptions(c: Config): ServiceOptions {
  const polygon = (p: [number, number][]) => p.map(([lat, lon]) => ({ lat, lon }));
  return {
    links: c.links,
    sim: c.sim,
    city: c.city && { ...c.city, url: c.cluster.url },
    port: c.port,
    host: c.host,
    tls: c.tls,
    dataDir: c.data,
    ...(c.database !== null && { database: c.database }),
    missionsDir: c.missions,
    sysid: c.sysid,
    compid: c.compid,
    ...(typeof c.tiles === 'string' ? { tileUrl: c.tiles } : { tiles: c.tiles }),
    tlog: c.tlog,
    trackDays: c.trackDays,
    auditDays: c.auditDays,
    allowedOrigins: c.allowedOrigins,
    trustProxy: c.trustProxy,
    adminPassword: c.adminPassword,
    simHome: { lat: c.station.lat, lon: c.station.lon },
    station: {
      id: c.station.id,
      name: c.station.name,
      lat: c.station.lat,
      lon: c.station.lon,
      radiusKm: c.station.radiusKm,
      water: [...c.station.water.map((w) => ({ name: w.name, polygon: polygon(w.polygon), holes: w.holes.map(polygon) })), ...c.waterFromFiles],
    },
    incidentNumbers: { code: c.station.code, timeZone: c.station.timeZone },
    rules: {
      geofence: c.station.geofence ? { name: 'station geofence', polygon: polygon(c.station.geofence) } : null,
      noFly: c.station.noFly.map((z) => ({ name: z.name, polygon: polygon(z.polygon) })),
      ceilingM: c.station.ceilingM,
      minSatellites: c.preflight.minSatellites,
      minBatteryPercent: c.preflight.minBatteryPercent,
      reservePercent: c.preflight.reservePercent,
      enduranceS: c.preflight.enduranceMin * 60,
      maxLinkLossPercent: c.preflight.maxLinkLossPercent,
    },
    patrolTiming: { offRouteM: c.preflight.offRouteM, armTimeoutMs: c.preflight.armTimeoutS * 1000 },
    goto: { transitAltM: c.station.transitAltM, armTimeoutMs: c.preflight.armTimeoutS * 1000 },
    alerts: {
      batteryLowPercent: c.alerts.batteryLowPercent,
      batteryCriticalPercent: c.alerts.batteryCriticalPercent,
      minSatellites: c.alerts.minSatellites,
      maxHdop: c.alerts.maxHdop,
      gpsGraceMs: c.alerts.gpsGraceS * 1000,
      ceilingM: c.station.ceilingM,
    },
    dispatch: {
      waveSize: c.dispatch.waveSize,
      escalateAfterMs: c.dispatch.escalateAfterS * 1000,
      assumedSpeedMps: c.dispatch.assumedSpeedMps,
      phoneOfflineGraceMs: c.dispatch.phoneOfflineGraceS * 1000,
      createPerMinute: c.dispatch.createPerMinute,
    },
    scheduler: { leadMs: c.schedule.leadMin * 60_000, graceMs: c.schedule.graceMin * 60_000, autoLaunch: c.schedule.autoLaunch },
    video: { sources: c.video.sources, recordings: c.video.recordings },
    ...(c.video.simCameraPort !== null ? { simOptions: { camera: { basePort: c.video.simCameraPort } } } : {}),
  };
}
