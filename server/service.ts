import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './http/app.ts';
import { attachLive } from './http/live.ts';
import { Connection } from './links/connection.ts';
import { createLink } from './links/create.ts';
import type { Link } from './links/link.ts';
import { TlogWriter } from './links/tlog.ts';
import { UdpInLink } from './links/udp.ts';
import type { Squadron } from './sim/squadron.ts';
import type { Autopilot } from './wire/types.ts';
import { bootstrapAdmin } from './auth/bootstrap.ts';
import { AircraftMonitor } from './alerts/aircraft-monitor.ts';
import { DEFAULT_DISPATCH, GroundDispatch, type DispatchSettings } from './alerts/ground.ts';
import { Officers } from './alerts/officers.ts';
import { attachAlerts } from './http/live-alerts.ts';
import { attachPatrols } from './http/live-patrols.ts';
import { openStore, type Store } from './store/index.ts';
import { MissionClient } from './missions/protocol/client.ts';
import { RouteStore } from './missions/store.ts';
import { ControlRegistry } from './patrols/control.ts';
import { Patrols, type PatrolTiming } from './patrols/patrols.ts';
import { DEFAULT_RULES, type StationRules } from './patrols/preflight.ts';
import { DEFAULT_SCHEDULER, Scheduler, type SchedulerOptions } from './patrols/scheduler.ts';
import { Actions } from './vehicles/actions.ts';
import { autopilotOf } from './vehicles/autopilots/index.ts';
import { CommandSender } from './vehicles/commands.ts';
import { Fleet } from './vehicles/fleet.ts';
import { startTrackRecorder } from './vehicles/track-recorder.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ServiceOptions {
  links?: string[];
  /** built-in simulated drones, talking to us over loopback UDP */
  sim?: number;
  port?: number;
  host?: string;
  dataDir: string;
  webDir?: string;
  sysid?: number;
  compid?: number;
  tileUrl?: string | null;
  recordTlogs?: boolean;
  /** password for the first admin account when the database has no users (else a random one is printed) */
  adminPassword?: string;
  /** simulator home (default Wenling) */
  simHome?: { lat: number; lon: number };
  /** the station: map centre, and the area ground alerts must fall in (default: simulator home, 50 km) */
  station?: { lat: number; lon: number; radiusKm: number };
  dispatch?: Partial<DispatchSettings>;
  /** patrol routes folder (default ./missions) */
  missionsDir?: string;
  /** station rules for preflight: geofence, no-fly zones, limits */
  rules?: Partial<StationRules>;
  patrolTiming?: Partial<PatrolTiming>;
  /** due-patrol window and the docked drones allowed to launch on schedule */
  scheduler?: Partial<SchedulerOptions>;
  /** simulator tuning for tests and training: arm delay (EKF warm-up, s), time speed-up, demo flights */
  simOptions?: { bootDelayS?: number; speedup?: number; demo?: boolean; seed?: number };
  log?: (line: string) => void;
}

export interface Service {
  port: number;
  fleet: Fleet;
  store: Store;
  ground: GroundDispatch;
  officers: Officers;
  aircraft: AircraftMonitor;
  patrols: Patrols;
  control: ControlRegistry;
  routes: RouteStore;
  scheduler: Scheduler;
  squadron: Squadron | null;
  close(): Promise<void>;
}

const WENLING = { lat: 28.37, lon: 121.38 };

function tlogName(dataDir: string, id: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(dataDir, 'tlogs', `${stamp}-${id}.tlog`);
}

/** Start links, fleet, HTTP and live updates (and the simulator when asked). */
export async function startService(opts: ServiceOptions): Promise<Service> {
  const log = opts.log ?? (() => {});
  const startedAt = Date.now();
  const gcs = { sysid: opts.sysid ?? 255, compid: opts.compid ?? 190 };
  // The database first: a damaged or too-new file must stop us before any link opens.
  const store = openStore(opts.dataDir);
  await bootstrapAdmin(store, opts.adminPassword, log);
  const fleet = new Fleet(gcs);
  const stopTracks = startTrackRecorder(fleet, store.tracks);
  const station = opts.station ?? { ...(opts.simHome ?? WENLING), radiusKm: 50 };
  const aircraft = new AircraftMonitor(fleet, store.alerts);
  const officers = new Officers();
  const ground = new GroundDispatch(store.groundAlerts, officers, { ...DEFAULT_DISPATCH, ...opts.dispatch });
  const routes = new RouteStore(opts.missionsDir ?? path.join(ROOT, 'missions'));
  await routes.open();
  const missions = new MissionClient(fleet, { gcs });
  const actions = new Actions(fleet, new CommandSender(fleet, gcs.sysid));
  const control = new ControlRegistry();
  const seen = new Map(store.tracks.vehicles().map((v) => [v.id, v.autopilot]));
  const patrols = new Patrols({
    fleet, actions, missions, routes, control, aircraft, runs: store.runs,
    rules: { ...DEFAULT_RULES, ...opts.rules },
    autopilotOf: (id) => fleet.get(id)?.autopilot ?? (seen.get(id) as Autopilot | undefined) ?? 'other',
    timing: opts.patrolTiming,
  });
  patrols.resume();
  const scheduler = new Scheduler({ routes, fleet, patrols, control, audit: store.audit, options: { ...DEFAULT_SCHEDULER, ...opts.scheduler } });
  const connections: Connection[] = [];
  const record = opts.recordTlogs ?? true;

  const addLink = async (id: string, link: Link) => {
    const conn = new Connection(id, link, { ...gcs, tlog: record ? new TlogWriter(tlogName(opts.dataDir, id)) : undefined });
    link.on('state', (state, detail) => log(`link ${id} ${link.uri}: ${state}${detail ? ` (${detail})` : ''}`));
    await link.open();
    connections.push(conn);
    fleet.addConnection(conn);
    return conn;
  };

  let squadron: Squadron | null = null;
  let server: http.Server | null = null;
  try {
    for (const [i, uri] of (opts.links ?? []).entries()) await addLink(`l${i + 1}`, createLink(uri));
    if (opts.sim) {
      const simLink = new UdpInLink('udpin://127.0.0.1:0', '127.0.0.1', 0);
      await addLink('sim', simLink);
      // Loaded only when asked for: a station with real drones never runs simulator code.
      const { startSquadron } = await import('./sim/squadron.ts');
      squadron = await startSquadron({
        count: opts.sim,
        link: `udpout://127.0.0.1:${simLink.boundPort}`,
        home: opts.simHome ?? WENLING,
        demo: true,
        ...opts.simOptions,
      });
    }

    const app = createApp({
      fleet,
      store,
      alerts: { aircraft, ground, officers, area: station },
      patrols: { patrols, control, missions, routes, scheduler },
      startedAt,
      webDir: opts.webDir ?? path.join(ROOT, 'web', 'dist'),
      client: {
        tileUrl: opts.tileUrl === undefined ? null : opts.tileUrl,
        tileAttribution: opts.tileUrl?.includes('openstreetmap') ? '© OpenStreetMap contributors' : '',
        center: { lat: station.lat, lon: station.lon },
      },
    });
    server = http.createServer(app);
    const live = attachLive(server, fleet, store.users);
    attachAlerts(live.io, { aircraft, ground, officers });
    attachPatrols(live.io, { patrols, control, scheduler });
    const srv = server;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', (err: NodeJS.ErrnoException) => reject(new Error(
        err.code === 'EADDRINUSE' ? `--port ${opts.port}: port already in use` : `--port ${opts.port}: ${err.message}`,
      )));
      srv.listen(opts.port ?? 8080, opts.host ?? '0.0.0.0', () => resolve());
    });
    const addr = srv.address();
    const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 8080;

    return {
      port,
      fleet,
      store,
      squadron,
      ground,
      officers,
      aircraft,
      patrols,
      control,
      routes,
      scheduler,
      async close() {
        await squadron?.close();
        await live.close();
        scheduler.close();
        patrols.close();
        routes.close();
        ground.stop();
        aircraft.close();
        stopTracks();
        fleet.close();
        await Promise.all(connections.map((c) => c.close()));
        srv.closeAllConnections();
        await new Promise<void>((r) => srv.close(() => r()));
        store.close();
      },
    };
  } catch (err) {
    await squadron?.close();
    scheduler.close();
    patrols.close();
    routes.close();
    ground.stop();
    aircraft.close();
    stopTracks();
    fleet.close();
    store.close();
    await Promise.all(connections.map((c) => c.close()));
    server?.close();
    throw err;
  }
}
