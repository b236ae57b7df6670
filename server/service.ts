import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { AircraftMonitor } from './alerts/aircraft-monitor.ts';
import { DEFAULT_THRESHOLDS, type AlertThresholds } from './alerts/aircraft-rules.ts';
import { DEFAULT_DISPATCH, GroundDispatch, type DispatchSettings } from './alerts/ground.ts';
import { DEFAULT_NUMBERING, type IncidentNumbering } from './alerts/incident-number.ts';
import { Officers } from './alerts/officers.ts';
import { bootstrapAdmin } from './auth/bootstrap.ts';
import { OfficerAccounts } from './auth/officer-accounts.ts';
import { createApp, shutdownSaid, STOP_REASON } from './http/app.ts';
import { clientAddress } from './http/client-address.ts';
import { attachLive, remoteViews } from './http/live.ts';
import { vehicleViews } from './http/views.ts';
import type { SessionWatchOptions } from './http/live-sessions.ts';
import { attachAlerts } from './http/live-alerts.ts';
import { attachGotos } from './http/goto-api.ts';
import { attachPatrols } from './http/live-patrols.ts';
import { createMetrics } from './http/metrics.ts';
import { resolveTiles, type TileOptions } from './http/tiles.ts';
import { Connection } from './links/connection.ts';
import { createLink } from './links/create.ts';
import type { Link } from './links/link.ts';
import { TlogWriter } from './links/tlog.ts';
import { pruneTlogs } from './links/tlog-retention.ts';
import { UdpInLink } from './links/udp.ts';
import { namedLink, parseLinkUri, SIM_LINK_ID } from './links/uri.ts';
import { CityBus } from './cluster/bus.ts';
import { DESK_LEASE, logBus, pruneClaimsHourly, serveLeasedLinks, shareControl, shareDispatch, shareStations, slotClaims } from './city-node.ts';
import { CommandClaims } from './cluster/command-claims.ts';
import { Leases } from './cluster/leases.ts';
import type { ClusterSettings } from './cluster/node.ts';
import { forwardToOwner, type Loopback, newLoopback, serveForwarded, trustLoopback } from './http/city.ts';
import { signedStreamsAdapter } from './http/city-adapter.ts';
import { linkOf, RemoteFleet } from './http/remote-fleet.ts';
import { stationAt } from './http/stations-api.ts';
import { stationOfRouteFrom } from './http/route-scope.ts';
import { silentLogger, type Logger } from './log.ts';
import { MissionClient } from './missions/protocol/client.ts';
import { RouteStore } from './missions/store.ts';
import { MISSIONS_DIR, WEB_DIST_DIR } from './paths.ts';
import { ControlRegistry } from './patrols/control.ts';
import { DroneRequests } from './patrols/drone-requests.ts';
import { InOrder } from './in-order.ts';
import { Gotos, type GotoSettings } from './patrols/goto.ts';
import type { WaterArea } from './patrols/water.ts';
import { Patrols, type PatrolTiming } from './patrols/patrols.ts';
import { DEFAULT_RULES, type StationRules } from './patrols/preflight.ts';
import { routeChecksOf } from './patrols/route-checks.ts';
import { DEFAULT_SCHEDULER, Scheduler, type SchedulerOptions } from './patrols/scheduler.ts';
import type { Squadron, SquadronCamera } from './sim/squadron.ts';
import { JOURNAL_NAME, openStore, type Store } from './store/index.ts';
import { Actions } from './vehicles/actions.ts';
import { CommandSender } from './vehicles/commands.ts';
import { Fleet } from './vehicles/fleet.ts';
import { VideoRecorder } from './video/recorder.ts';
import { pruneRecordings, recoverRecordings } from './video/recording-files.ts';
import { VideoRelay } from './video/relay.ts';
import { VideoSources } from './video/sources.ts';
import { peerHostOf } from './video/video-uri.ts';
import { VideoStreamAnnouncements } from './vehicles/video-streams.ts';
import { attachVideoLive } from './http/video-live.ts';
import type { ModeChange } from './vehicles/mode-changes.ts';
import { TelemetryRates } from './vehicles/telemetry-rates.ts';
import { startTrackRecorder } from './vehicles/track-recorder.ts';
import type { Vehicle } from './vehicles/vehicle.ts';
import { CITY_SCOPE, DEFAULT_STATION_ID, RUN_ENDED, type Autopilot, type GotoView, type RunView } from './wire/types.ts';

const WENLING = { lat: 28.37, lon: 121.38 };
const HOUR = 3600_000;
/** Links another node can serve as well: reached over the network, not a port of this machine. */
const LEASED_KINDS = new Set(['udpin', 'udpout', 'tcpout']);

/** The configuration checks station.code and station.timeZone as incident numbers need them. */
export { DEFAULT_NUMBERING, isTimeZone, STATION_CODE } from './alerts/incident-number.ts';
/** …and reads the station's water areas (drone to the scene) as the goto checks them. */
export { type WaterArea, waterAreasFromGeoJson, WaterFileError } from './patrols/water.ts';

export interface ServiceOptions {
  /** link URIs, each "ID=URI" or a bare URI (named l1, l2, … by its place) */
  links?: string[];
  /**
   * a city (cluster/): this node's name, its Redis and the shared secret; none: it runs alone. `url`:
   * where the other nodes reach this one over HTTP (config cluster.url); default http(s)://HOST:PORT
   */
  city?: (ClusterSettings & { url?: string | null }) | null;
  /** built-in simulated drones, talking to us over loopback UDP */
  sim?: number;
  port?: number;
  host?: string;
  /** serve HTTPS (officers' phones need a secure origin for geolocation) */
  tls?: { cert: string; key: string } | null;
  dataDir: string;
  /** the store: sqlite:PATH or postgres://… (store/connection.ts); default the SQLite file in dataDir */
  database?: string;
  webDir?: string;
  sysid?: number;
  compid?: number;
  tileUrl?: string | null;
  /** the tile source in full (a local folder, an MBTiles file, GCJ-02 tiles); its url, when given, wins over tileUrl */
  tiles?: TileOptions;
  /** telemetry logs: recorded unless false; pruned by age and total size */
  tlog?: { enabled: boolean; maxAgeDays: number; maxTotalMB: number };
  /** flight tracks older than this many days are deleted */
  trackDays?: number;
  /** audit entries older than this many days are deleted (default 365) */
  auditDays?: number;
  /** web origins other than our own whose pages may use the API and live stream */
  allowedOrigins?: string[];
  /** behind a balancer: whose X-Forwarded-For is believed (Express's "trust proxy"); false: nobody's */
  trustProxy?: false | number | string | string[];
  /** how live connections watch their sessions (tests: the poll interval, the clock) */
  liveSessions?: SessionWatchOptions;
  /** password for the first admin account when the database has no users (else a random one is printed) */
  adminPassword?: string;
  /** simulator home (default Wenling) */
  simHome?: { lat: number; lon: number };
  /** simulator tuning for tests and training: arm delay (EKF warm-up, s), time speed-up, demo flights */
  simOptions?: {
    bootDelayS?: number;
    speedup?: number;
    demo?: boolean;
    seed?: number;
    autopilot?: 'ardupilot' | 'px4';
    params?: Partial<Record<string, number>>;
    /** each simulated drone's camera (RTP/UDP to 127.0.0.1:basePort + i, announced over MAVLink); none when not given */
    camera?: SquadronCamera;
  };
  /** camera feeds: drone (vehicle id or sysid) → source URI; drones that announce theirs need none */
  video?: {
    sources?: Record<string, string>;
    /** each run's video recorded into DATA/recordings unless enabled is false; pruned by age and total size */
    recordings?: { enabled: boolean; maxAgeDays: number; maxTotalMB: number };
  };
  /** the station: map centre, and the area ground alerts must fall in (default: simulator home, 50 km) */
  station?: { id?: string; lat: number; lon: number; radiusKm: number; name?: string; water?: WaterArea[] };
  dispatch?: Partial<DispatchSettings>;
  /** incident numbers: the station's code and the time zone of its day (default JQ, Asia/Shanghai) */
  incidentNumbers?: Partial<IncidentNumbering>;
  alerts?: Partial<AlertThresholds>;
  /** patrol routes folder (default ./missions) */
  missionsDir?: string;
  /** station rules for preflight: geofence, no-fly zones, limits */
  rules?: Partial<StationRules>;
  patrolTiming?: Partial<PatrolTiming>;
  /** drone to the scene: transit height, planned hold, overhead distance, … (patrols/goto.ts) */
  goto?: Partial<GotoSettings>;
  /** due-patrol window and the docked drones allowed to launch on schedule */
  scheduler?: Partial<SchedulerOptions>;
  logger?: Logger;
}

export interface Service {
  port: number;
  /** the store, as it may be shown: the SQLite file, or the PostgreSQL URL without its password */
  storeWhere: string;
  fleet: Fleet;
  store: Store;
  ground: GroundDispatch;
  officers: Officers;
  aircraft: AircraftMonitor;
  patrols: Patrols;
  gotos: Gotos;
  control: ControlRegistry;
  routes: RouteStore;
  scheduler: Scheduler;
  squadron: Squadron | null;
  /** each drone's camera, relayed to the pages: attach(vehicleId, source) */
  video: VideoRelay;
  /** which source is each drone's camera (configured, set by an admin, or announced): video/sources.ts */
  videoSources: VideoSources;
  /**
   * Graceful stop: refuse new commands, tell everyone connected, close links and the database.
   * Drones in flight carry on under their autopilots' own failsafe settings.
   */
  close(reason?: string): Promise<void>;
}

function tlogName(dataDir: string, id: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(dataDir, 'tlogs', `${stamp}-${id}.tlog`);
}

/** Start links, fleet, HTTP and live updates (and the simulator when asked). */
export async function startService(opts: ServiceOptions): Promise<Service> {
  const log = opts.logger ?? silentLogger;
  const startedAt = Date.now();
  const gcs = { sysid: opts.sysid ?? 255, compid: opts.compid ?? 190 };
  // Everything started is stopped in reverse order, on close or when a later step fails.
  const closers: (() => unknown)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c();
    closers.length = 0;
  };

  try {
    // The database first: a damaged or too-new file must stop us before any link opens.
    const store = await openStore(opts.dataDir, opts.database, {
      journal: {
        onChange: (j) => {
          if (j.failingSince !== null)
            log.error(
              { pending: j.pending, journalBytes: j.bytes, error: j.error },
              `store ${store.where} is away: what is written without waiting (audit, tracks, alerts, flights) kept in the journal`,
            );
          else log.info({ pending: j.pending }, `store ${store.where} answers again`);
          if (j.filling)
            log.error({ journalBytes: j.bytes, maxBytes: j.maxBytes, dropped: j.dropped }, 'store journal filling: track points are dropped when full');
        },
        onRefused: (reason, statements) =>
          log.error({ statements }, `store refused a write made without waiting (on PostgreSQL kept in ${JOURNAL_NAME}.refused): ${reason}`),
      },
    });
    closers.push(() => store.close());
    await bootstrapAdmin(store, opts.adminPassword, (line) => log.warn(line));
    // A city's bus: the other nodes' drones, requests for them, and the pages' broadcasts (cluster/).
    const bus = opts.city ? await CityBus.open(opts.city) : null;
    if (bus) {
      closers.push(() => bus.close());
      logBus(bus, opts.city!.redis, log);
    }
    const leases = opts.city ? new Leases(store.db, opts.city.node, { log: (line) => log.warn(line) }) : null;
    const remote = new RemoteFleet();
    // the station of a drone: this node's when it serves it, else as the node serving it sent it
    const stationOf = (id: string) => (fleet.get(id) || myLinks.includes(linkOf(id)) ? fleet.station : remote.stationOf(id));
    const tlog = opts.tlog ?? { enabled: true, maxAgeDays: 30, maxTotalMB: 2000 };
    // Recordings a crash left open are made whole (cut after their last whole picture) before anything records.
    const recordingsDir = path.join(opts.dataDir, 'recordings');
    const recordings = opts.video?.recordings ?? { enabled: true, maxAgeDays: 30, maxTotalMB: 20_000 };
    for (const line of await recoverRecordings(store.recordings, recordingsDir)) log.warn(`recording left open by a crash: ${line}`);
    const housekeeping = () => {
      const removed = pruneTlogs(path.join(opts.dataDir, 'tlogs'), tlog.maxAgeDays, tlog.maxTotalMB);
      // the recordings' index is read from the database: pruned behind the rest, a failure said, not thrown
      pruneRecordings(store.recordings, recordingsDir, recordings, Date.now()).then(
        (videos) => videos.length && log.info({ recordingsRemoved: videos }, 'housekeeping'),
        (err: unknown) => log.warn(`pruning recordings: ${(err as Error).message}`),
      );
      // The database's part waits for the database; a failure is logged and tried again in an hour.
      void Promise.all([
        store.tracks.prune(Date.now() - (opts.trackDays ?? 180) * 24 * HOUR),
        store.audit.prune(Date.now() - (opts.auditDays ?? 365) * 24 * HOUR),
      ]).then(
        ([tracks, audit]) => {
          if (removed.length || tracks || audit) log.info({ tlogsRemoved: removed, trackPointsRemoved: tracks, auditEntriesRemoved: audit }, 'housekeeping');
        },
        (err: Error) => log.warn(`housekeeping: ${err.message}`),
      );
    };
    housekeeping();
    const hk = setInterval(housekeeping, HOUR);
    closers.push(() => clearInterval(hk));

    const station = opts.station ?? { ...(opts.simHome ?? WENLING), radiusKm: 50 };
    const stationId = station.id ?? DEFAULT_STATION_ID;
    const fleet = new Fleet(gcs, { station: stationId });
    closers.push(() => fleet.close());
    closers.push(startTrackRecorder(fleet, store.tracks));
    // The simulator's training pilot flies its drones until a ground station commands one (sim/
    // demo-pilot.ts): the mode changes it makes (GUIDED, to take off and fly its loop, at every
    // start) are its own, not alerts; a return or a landing (a failsafe's) still is.
    let squadron: Squadron | null = null;
    // the simulated squadron's link: its drones are sim-1, sim-2, …; in a city sim-<node>-1, so two nodes' do not collide
    const simLink = opts.city ? `${SIM_LINK_ID}-${opts.city.node}` : SIM_LINK_ID;
    const trainingPilot = (v: Vehicle, c: ModeChange) => (squadron !== null && v.connection.id === simLink && c.to !== 'return' && c.to !== 'land'
        && squadron.drone(v.sysid).status().demoFlying ?
      "the simulator's training pilot" :
      null);
    const aircraft = await AircraftMonitor.open(fleet, store.alerts, {
      thresholds: { ...DEFAULT_THRESHOLDS, ...opts.alerts },
      explainMode: trainingPilot,
      warn: (line) => log.warn(line),
    });
    closers.push(() => aircraft.close());
    const officers = new Officers();
    // Dispatch asks without waiting whether an account may take jobs: the list is kept in memory.
    const officerAccounts = await OfficerAccounts.open(store.users, (err) => log.warn(`reading the officer accounts: ${err.message}`));
    closers.push(() => officerAccounts.close());
    officers.mayServe = (name) => officerAccounts.mayServe(name);
    officers.accountsCurrent = () => officerAccounts.current();
    officers.stationOf = (name) => {
      const scope = officerAccounts.scopeOf(name);
      return scope === undefined || scope === CITY_SCOPE ? null : scope;
    };
    const numbering = { ...DEFAULT_NUMBERING, ...opts.incidentNumbers };
    const ground = await GroundDispatch.open(
      store.groundAlerts,
      officers,
      { ...DEFAULT_DISPATCH, ...opts.dispatch },
      numbering,
      (line) => log.warn(line),
      // in a city the desk's dispatch acts, the others mirror it (below)
      !bus,
    );
    // In a city: one desk, and every node's officers and aircraft alerts on every node.
    if (bus && leases) shareDispatch({ bus, leases, officers, aircraft, ground, log });
    closers.push(async () => {
      ground.stop();
      await ground.idle(); // the steps under way (an escalation, a delivery) end before the store closes
    });
    const rules = { ...DEFAULT_RULES, ...opts.rules };
    // Routes are checked against the station's own airspace and battery figures: what the preflight checks.
    const routes = new RouteStore(opts.missionsDir ?? MISSIONS_DIR, { validate: routeChecksOf(rules) });
    await routes.open();
    closers.push(() => routes.close());
    const missions = new MissionClient(fleet, { gcs });
    closers.push(() => missions.close());
    const commands = new CommandSender(fleet, gcs.sysid);
    const actions = new Actions(fleet, commands);
    // PX4 and others: telemetry rates asked one by one, refusals kept on the vehicle.
    const rates = new TelemetryRates(fleet, commands);
    closers.push(() => rates.close());
    const control = await ControlRegistry.load(
      async (id) => fleet.get(id) !== undefined || (await store.tracks.vehicles()).some((v) => v.id === id),
      store.control,
    );
    const seen = new Map((await store.tracks.vehicles()).map((v) => [v.id, v.autopilot]));
    // The links, named. In a city a network link may be configured on several nodes and is served by
    // one at a time, under a lease (cluster/leases.ts); a serial port stays with its machine.
    const links = (opts.links ?? []).map((text, i) => namedLink(text, i));
    const isLeased = (uri: string) => leases !== null && LEASED_KINDS.has(parseLinkUri(uri).kind);
    /** the drones of the links this node serves by itself (in a city; alone it serves every drone) */
    const ownLinks = [...links.filter((l) => !isLeased(l.uri)).map((l) => l.id), ...(opts.sim ? [simLink] : [])];
    const servedAlways = (vehicleId: string) => ownLinks.includes(linkOf(vehicleId));
    /** every link this node is configured with (served, or stood by for): its drones are this station's */
    const myLinks = [...links.map((l) => l.id), ...(opts.sim ? [simLink] : [])];
    const patrols = new Patrols({
      fleet,
      actions,
      missions,
      routes,
      control,
      aircraft,
      runs: store.runs,
      rules,
      autopilotOf: (id) => fleet.get(id)?.autopilot ?? (seen.get(id) as Autopilot | undefined) ?? 'other',
      timing: opts.patrolTiming,
      log,
    });
    closers.push(() => patrols.close());
    // Runs in the air when the service stopped are followed again; in a city only those of its own links now, a leased link's when it is served here.
    await patrols.resume(Date.now(), opts.city ? servedAlways : undefined);
    // A drone's checks cannot wait for the database: the incidents on the desk and the latest ended ones, as last sent.
    const incident = (id: number) => {
      const a = ground.known(id);
      return a ? { lat: a.lat, lon: a.lon, number: a.number, over: a.state === 'resolved' || a.state === 'closed' } : null;
    };
    const gotos = new Gotos({
      fleet,
      actions,
      commands,
      control,
      patrols,
      aircraft,
      rules,
      station,
      records: store.gotos,
      water: station.water ?? [],
      incident,
      settings: opts.goto,
      audit: (e) => store.audit.record(e),
      log,
    });
    closers.push(() => gotos.close());
    // Gotos under way when the service stopped are watched again (from telemetry, nothing assumed).
    await gotos.resume(opts.city ? servedAlways : undefined);
    const droneRequests = new DroneRequests(fleet, control, store.droneRequests);
    // A request for an incident that has ended is withdrawn, so no pilot answers it (audited).
    // Dispatch does not wait for it; an incident's (resolved, then closed) go in order.
    const withdrawals = new InOrder(log, (id) => `incident ${id}: its open drone requests not withdrawn`);
    ground.on('alert', (v) => {
      if (v.state !== 'resolved' && v.state !== 'closed') return;
      withdrawals.queue(v.id, async () => {
        for (const r of await droneRequests.incidentOver(v.id)) {
          store.audit.record({
            user: null,
            action: 'goto.request_cancel',
            target: `alert:${v.id}`,
            result: 'ok',
            detail: { requestId: r.id, reason: `incident ${v.number} ${v.state}` },
          });
        }
      });
    });
    closers.push(() => withdrawals.done());
    const claims = bus ? new CommandClaims(store.db, bus.node) : null;
    if (claims) closers.push(pruneClaimsHourly(claims, log));
    const scheduler = new Scheduler({
      routes,
      fleet,
      patrols,
      control,
      audit: store.audit,
      options: { ...DEFAULT_SCHEDULER, ...opts.scheduler },
      // in a city a slot is launched by the first node that claims it, and only by that node
      ...(claims && { slots: slotClaims(claims) }),
    });
    closers.push(() => scheduler.close());

    const openLink = async (id: string, link: Link) => {
      const conn = new Connection(id, link, { ...gcs, tlog: tlog.enabled ? new TlogWriter(tlogName(opts.dataDir, id)) : undefined });
      link.on('state', (state, detail) => log.info({ link: id, uri: link.uri, state, detail }, `link ${id} ${state}${detail ? `: ${detail}` : ''}`));
      await link.open();
      fleet.addConnection(conn);
      return conn;
    };
    const addLink = async (id: string, link: Link) => {
      const conn = await openLink(id, link);
      closers.push(() => conn.close());
    };
    for (const l of links) if (!isLeased(l.uri)) await addLink(l.id, createLink(l.uri));
    if (leases) {
      const leased = serveLeasedLinks({
        leases,
        links: links.filter((l) => isLeased(l.uri)),
        open: (l) => openLink(l.id, createLink(l.uri)),
        fleet,
        patrols,
        gotos,
        log,
      });
      closers.push(() => leased.close());
    }
    fleet.on('found', (v) => log.info({ vehicle: v.id, autopilot: v.autopilot }, `vehicle ${v.id} found`));
    fleet.on('lost', (v) => log.warn({ vehicle: v.id }, `vehicle ${v.id} link lost`));
    fleet.on('regained', (v) => log.info({ vehicle: v.id }, `vehicle ${v.id} link regained`));

    if (opts.sim) {
      const simUdp = new UdpInLink('udpin://127.0.0.1:0', '127.0.0.1', 0);
      await addLink(simLink, simUdp);
      // Loaded only when asked for: a station with real drones never runs simulator code.
      const { startSquadron } = await import('./sim/squadron.ts');
      const sq = await startSquadron({
        count: opts.sim,
        link: `udpout://127.0.0.1:${simUdp.boundPort}`,
        home: opts.simHome ?? WENLING,
        demo: true,
        ...opts.simOptions,
        camera: opts.simOptions?.camera && { log: (line: string) => log.warn(line), ...opts.simOptions.camera },
      });
      squadron = sq;
      closers.push(() => sq.close());
    }

    // Each drone's camera, to the pages (sources are attached per drone: service.video.attach).
    const video = new VideoRelay();
    closers.push(() => video.close());
    // Each drone's source: configured, else what it announces over MAVLink (VIDEO_STREAM_INFORMATION).
    const videoSources = new VideoSources({ configured: opts.video?.sources, log: (line) => log.info(line), listenHost: opts.host });
    closers.push(() => videoSources.close());
    videoSources.onChange((id, source) => (source ? video.attach(id, source) : video.detach(id)));
    // …and recorded while it flies a run (patrol or drone to the scene), into files beside the runs.
    const recorder = new VideoRecorder(store.recordings, { dir: recordingsDir }, (line) => log.warn(line));
    closers.push(() => recorder.close());
    videoSources.onChange((id, source) => recorder.setSource(id, source));
    if (recordings.enabled) {
      const patrolRun = (r: { id: number; vehicleId: string; state: RunView['state'] }) =>
        RUN_ENDED.includes(r.state) ? recorder.stop(r.vehicleId, `patrol:${r.id}`) : recorder.start(r.vehicleId, `patrol:${r.id}`);
      // A drone sent to a scene is recorded until it is home (disarmed after landing), not only until
      // it turns home: the flight back is evidence too, and the goto's record ends when it turns.
      const homeBound = new Map<string, string>(); // recording reason → drone
      const gotoRun = (g: GotoView) => {
        const reason = `goto:${g.id}`;
        if (['arming', 'climbing', 'transit', 'on_scene'].includes(g.state)) return recorder.start(g.vehicleId, reason);
        if (g.state === 'returning' && fleet.get(g.vehicleId)?.armed) {
          recorder.start(g.vehicleId, reason); // already recording: nothing changes (a goto that turned home is not resumed after a restart)
          homeBound.set(reason, g.vehicleId);
          return;
        }
        homeBound.delete(reason);
        recorder.stop(g.vehicleId, reason);
      };
      fleet.on('changed', (v) => {
        if (v.armed) return;
        for (const [reason, id] of homeBound) {
          if (id !== v.id) continue;
          homeBound.delete(reason);
          recorder.stop(id, reason);
        }
      });
      patrols.on('run', patrolRun);
      gotos.on('goto', gotoRun);
      // runs picked up after a restart record from now on
      for (const r of patrols.activeViews()) patrolRun(r);
      for (const g of gotos.activeViews()) gotoRun(g);
    }
    // An admin's settings (kept in the database) win over the file's.
    for (const r of await store.videoSources.all()) {
      try {
        videoSources.configure(r.drone, r.uri);
      } catch (err) {
        log.warn(`the camera set in the page for ${r.drone} is not used: ${(err as Error).message}`);
      }
    }
    const announcements = new VideoStreamAnnouncements(fleet);
    closers.push(() => announcements.close());
    // what decides whether an announcement is followed unasked: a signed link, the link's own address
    announcements.on(
      'announced',
      (v, streams) => videoSources.announce({ id: v.id, sysid: v.sysid }, streams, { signed: v.connection.signing !== null, peerHost: peerHostOf(v.peer) }),
    );
    const droneKnown = (v: Vehicle) => videoSources.drone({ id: v.id, sysid: v.sysid });
    fleet.on('found', droneKnown);
    for (const v of fleet.vehicles.values()) droneKnown(v);
    // Who holds an incident's job (accepted, on the way or there): they see the drone sent over it…
    const jobHolder = (id: number) => {
      const a = ground.known(id);
      return a?.assignee && ['accepted', 'en_route', 'on_scene'].includes(a.state) ? a.assignee.officer : null;
    };
    // …and its camera, while it serves the incident.
    const officerMayWatch = (officer: string, vehicleId: string) =>
      gotos.activeViews().some((g) => g.vehicleId === vehicleId && g.alertId !== null && jobHolder(g.alertId) === officer);
    const tiles = resolveTiles({ ...opts.tiles, url: opts.tiles?.url ?? opts.tileUrl });
    closers.push(() => tiles.close());
    let io: ReturnType<typeof attachLive>['io'] | null = null;
    const metrics = createMetrics({ fleet, io: () => io, ground });
    missions.on('uploaded', (v, r) => {
      metrics.transfer(r.kind);
      log.info({ vehicle: v.id, result: r.kind }, r.message);
    });
    /** this node's station as the city centre lists it (http/stations-api.ts), and as it tells the other nodes */
    const thisStation = () => ({
      id: stationId,
      name: station.name ?? '',
      ...numbering,
      lat: station.lat,
      lon: station.lon,
      radiusKm: station.radiusKm,
      patrolsRunning: patrols.activeViews().length,
    });
    // the others' stations from the store (a node down now is still known), this one's said there
    if (bus) {
      const { patrolsRunning: _, ...said } = thisStation();
      closers.push(await shareStations({ db: store.db, node: bus.node, station: said, links: myLinks, remote, log }));
    }
    /** every station of the city this node knows of: its own, and those the other nodes tell */
    const allStations = () => [{ ...thisStation(), node: bus?.node ?? null, silent: false }, ...remote.stations(Date.now())];
    /** the station a route belongs to, by the id or name its metadata names; null: the city's (http/route-scope.ts) */
    // read against every station heard of, so a station's routes stay its own while its node is away
    const stationOfRoute = stationOfRouteFrom(allStations);
    /** the station whose area holds an incident (nearest centre within its radius), null: none */
    const incidentStation = (p: { lat: number; lon: number }) => stationAt(allStations(), p);
    // The desk numbers each incident as its station does (a city's desk numbers every station's).
    ground.numberingAt = (p) => {
      const at = incidentStation(p);
      const s = allStations().find((x) => x.id === at);
      return s ? { code: s.code, timeZone: s.timeZone } : numbering;
    };
    let loopback: Loopback | null = null;
    /** where the other nodes reach this node (its snapshot's url): known once it listens */
    let ownUrl: string | null = null;
    /** in a city: a drone linked at another node is watched through that node (http/video-across.ts) */
    const videoAcross = bus ? { node: bus.node, remote, local: (id: string) => fleet.get(id) !== undefined } : undefined;
    const cityApp = bus && claims
      ? {
        trustLoopback: trustLoopback(() => loopback),
        forward: forwardToOwner({
          bus,
          claims,
          remote,
          local: (id) => fleet.get(id) !== undefined,
          alertVehicle: async (id) => (await aircraft.get(id))?.vehicleId,
          desk: async () => (ground.acting ? null : (await leases!.holder(DESK_LEASE))?.node ?? ''),
          users: store.users,
          audit: store.audit,
          log,
        }),
        remoteViews: () => remoteViews(remote, fleet),
        health: () => ({
          node: bus.node,
          bus: bus.up ? 'up' as const : 'away' as const,
          nodes: remote.nodes(Date.now()),
          rejected: Object.fromEntries(bus.signer.rejected),
        }),
      }
      : undefined;
    const app = createApp({
      city: cityApp,
      stationOf,
      incidentStation,
      stationOfRoute,
      stations: {
        stations: allStations,
        vehicles: () => [...vehicleViews(fleet), ...remoteViews(remote, fleet)],
        incidents: () => ground.openViews(),
        officers: () => officers.list(),
        officerStation: (name) => officers.stationOf(name),
      },
      fleet,
      store,
      startedAt,
      metrics: metrics.registry,
      allowedOrigins: opts.allowedOrigins,
      trustProxy: opts.trustProxy ?? false,
      alerts: {
        aircraft,
        ground,
        officers,
        areas: allStations,
        // undefined: no such drone; null: no position yet
        dronePosition: (id) => {
          const local = fleet.get(id);
          const p = local ? { position: local.position } : remoteViews(remote, fleet).find((x) => x.id === id);
          return p === undefined ? undefined : p.position && { lat: p.position.lat, lon: p.position.lon };
        },
      },
      patrols: { patrols, control, routes, scheduler },
      goto: { gotos, requests: droneRequests, incident },
      videoSources: { sources: videoSources, store: store.videoSources, fromFile: opts.video?.sources ?? {} },
      recordings: {
        recordings: store.recordings,
        dir: recordingsDir,
        run: async (id) => (await patrols.view(id)) ?? null,
        goto: async (id) => (await store.gotos.get(id)) ?? null,
      },
      video: {
        relay: video,
        across: videoAcross,
        snapshots: store.snapshots,
        officerMayWatch,
        incident: async (id) => ((await store.groundAlerts.get(id)) ? { holder: jobHolder(id) } : null),
        droneOver: (id) => gotos.activeViews().find((g) => g.alertId === id)?.vehicleId ?? null,
        where: (id) => {
          const v = fleet.get(id);
          return v?.position ? { lat: v.position.lat, lon: v.position.lon, altM: v.position.altRel, headingDeg: v.heading } : null;
        },
      },
      // 500s are logged with their stack: to the service's log, or standard error where it has none
      log: opts.logger,
      webDir: opts.webDir ?? WEB_DIST_DIR,
      client: {
        // for clients that read only these two: the template with its first subdomain filled in
        tileUrl: tiles.view.url?.replaceAll('{s}', tiles.view.subdomains[0] ?? '') ?? null,
        tileAttribution: tiles.view.attribution,
        center: { lat: station.lat, lon: station.lon },
        tiles: tiles.view,
      },
      tiles: tiles.router,
      station: { name: station.name ?? '', geofence: rules.geofence, noFly: rules.noFly, ceilingM: rules.ceilingM },
    });
    const server: http.Server = opts.tls
      ? https.createServer({ cert: fs.readFileSync(opts.tls.cert), key: fs.readFileSync(opts.tls.key) }, app)
      : http.createServer(app);
    // the client behind a balancer, as REST reads it (trustProxy)
    const addressOf = clientAddress(app);
    const live = attachLive(server, fleet, store, {
      allowedOrigins: opts.allowedOrigins,
      sessions: opts.liveSessions,
      addressOf,
      ...(bus &&
        {
          city: {
            bus,
            remote,
            links: myLinks,
            station: thisStation,
            url: () => ownUrl,
            adapter: signedStreamsAdapter(bus.pub, bus.signer, (reason) => bus.emit('rejected', reason)),
          },
        }),
    });
    io = live.io;
    attachAlerts(live.io, { aircraft, ground, officers, stationOf, incidentStation });
    attachPatrols(live.io, { patrols, control, scheduler, stationOf, routes, stationOfRoute });
    // The officer holding an incident's job (accepted, on the way or there) sees the drone over it.
    attachGotos(live.io, gotos, droneRequests, jobHolder, stationOf, log, incidentStation);
    const videoLive = attachVideoLive(server, video, store, {
      allowedOrigins: opts.allowedOrigins,
      sessions: opts.liveSessions,
      addressOf,
      officerMayWatch,
      stationOf,
      across: videoAcross,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(
            err.code === 'EADDRINUSE' ? `--port ${opts.port}: port already in use` : `--port ${opts.port}: ${err.message}`,
          ),
        ));
      server.listen(opts.port ?? 8080, opts.host ?? '0.0.0.0', () => resolve());
    });
    closers.push(async () => {
      const closed = live.close(); // closes the HTTP server too, once its connections are gone…
      server.closeAllConnections(); // …so end the idle keep-alive ones now rather than at their timeout
      await closed;
    });
    // (closers run last first: the video sockets close before the HTTP server waits for its connections)
    closers.push(() => videoLive.close());
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 8080;
    if (bus && claims) {
      loopback = newLoopback(opts.host ?? '0.0.0.0', port, Boolean(opts.tls));
      ownUrl = opts.city?.url ?? `${opts.tls ? 'https' : 'http'}://${loopback.host.includes(':') ? `[${loopback.host}]` : loopback.host}:${port}`;
      serveForwarded({ bus, claims, log }, loopback);
      shareControl(bus, control, log);
    }

    return {
      port,
      storeWhere: store.where,
      fleet,
      store,
      squadron,
      video,
      videoSources,
      ground,
      officers,
      aircraft,
      patrols,
      gotos,
      control,
      routes,
      scheduler,
      async close(reason = STOP_REASON) {
        app.locals.stopping = reason;
        // this node's pages only: in a city the others carry on
        live.io.local.emit('server:shutdown', reason, shutdownSaid(reason));
        // A moment for that message to leave before the sockets close.
        await new Promise((r) => setTimeout(r, 100));
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
