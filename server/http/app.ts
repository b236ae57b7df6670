import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../log.ts';
import type { Store } from '../store/index.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import { createStationsRouter, type StationsApiOptions } from './stations-api.ts';
import { droneScopeGuard, inScope, type IncidentStation, type StationOf } from './scope.ts';
import { isSignal, type CityHealth, type ClientConfig, type StationView, type VehicleView } from '../wire/types.ts';
import { said, term, verbatim, type MessageParam, type ServerMessage } from '../wire/messages.ts';
import { createAlertsRouter, type AlertsApiOptions } from './alerts-api.ts';
import { createAuthRouter, requireRole } from './auth.ts';
import { apiErrorHandler, saidBody } from './errors.ts';
import { rejectForeignOrigins } from './origin.ts';
import { createGotoRouter, type GotoApiOptions } from './goto-api.ts';
import { createGotoHistoryRouter } from './goto-history-api.ts';
import { createPatrolsRouter } from './patrols-api.ts';
import { createRoutesRouter } from './routes-api.ts';
import { routeStationIn, type StationOfRoute } from './route-scope.ts';
import { tileOrigins } from './tiles.ts';
import type { RouteStore } from '../missions/store.ts';
import type { ControlRegistry } from '../patrols/control.ts';
import type { Patrols } from '../patrols/patrols.ts';
import type { Scheduler } from '../patrols/scheduler.ts';
import { createRecordingsRouter, type RecordingsApiOptions } from './recordings-api.ts';
import { createUsersRouter } from './users-api.ts';
import { createVideoSourcesRouter, type VideoSourcesApiOptions } from './video-sources-api.ts';
import { createVideoRouter, type VideoApiOptions } from './video-api.ts';
import { describeIssues } from './validate.ts';
import { healthView, linkViews, vehicleView, vehicleViews } from './views.ts';

/** What the service says when it is stopped without a reason. */
export const STOP_REASON = 'the service is stopping';

/**
 * Why the service is stopping, as the pages say it: a signal in words ("stopped on the server
 * (SIGTERM)"), no reason given in words of their own, the operator's own words as they were given.
 * In English it is the reason itself.
 */
export function stoppingReason(reason: string): MessageParam {
  if (isSignal(reason)) return term('stopSignal', reason, { signal: reason });
  return reason === STOP_REASON ? term('stoppingNoReason', reason) : verbatim(reason, 'operator');
}

/** The stop announced to the pages (server:shutdown): the reason, and the same said in their language. */
export const shutdownSaid = (reason: string): ServerMessage => said('shutdown_reason', { reason: stoppingReason(reason) });

export interface AppOptions {
  fleet: Fleet;
  store: Store;
  client: ClientConfig;
  /** serves /tiles/{z}/{x}/{y} from a local folder or MBTiles file (see tiles.ts), or null */
  tiles: express.Router | null;
  /** the station's geofence and no-fly zones, drawn on the map */
  station: StationView;
  alerts: Omit<AlertsApiOptions, 'ctx' | 'fleet' | 'stationOf' | 'incidentStation'>;
  patrols: { patrols: Patrols; control: ControlRegistry; routes: RouteStore; scheduler: Scheduler };
  /** drone to the scene: gotos and the command room's drone requests */
  goto?: Omit<GotoApiOptions, 'ctx' | 'stationOf' | 'incidentStation'>;
  /** the cameras' list and the stills kept as evidence (issue 16) */
  video?: Omit<VideoApiOptions, 'ctx' | 'stationOf'>;
  /** which camera is each drone's, set by an admin (GET/PUT /api/video-sources) */
  videoSources?: Omit<VideoSourcesApiOptions, 'ctx'>;
  /** each run's recorded video: its replay and its export (GET /api/runs/:id/video, …/video.mp4) */
  recordings?: Omit<RecordingsApiOptions, 'ctx' | 'stationOf'>;
  /** Prometheus metrics, served at /metrics */
  metrics: Registry;
  /** built web app (vite build output); not served when missing */
  webDir: string;
  startedAt: number;
  /** where 500s are logged with their stack (standard error when not given) */
  log?: Logger;
  /** web origins other than our own whose pages may change things (allowedOrigins) */
  allowedOrigins?: readonly string[];
  /** the stations and what each has under way (GET /api/stations) */
  stations: Omit<StationsApiOptions, 'ctx'>;
  /** which station each drone belongs to (scope.ts): this node's, or another node's as it sent it */
  stationOf: StationOf;
  /** the station whose area holds a place (an incident's): null when none does */
  incidentStation: IncidentStation;
  /** the station a route's meta.station names (route-scope.ts): null when none known, the city's route */
  stationOfRoute: StationOfRoute;
  /** Express's "trust proxy": behind a balancer, whose X-Forwarded-For names the client */
  trustProxy?: false | number | string | string[];
  /** a city: requests for the other nodes' drones go to them (city.ts); their drones are listed with ours */
  city?: {
    trustLoopback: express.RequestHandler;
    forward: express.RequestHandler;
    remoteViews(): VehicleView[];
    health(): CityHealth;
  };
}

const AuditQuery = z.object({
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
  user: z.string().optional(),
  action: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
});

export function createApp(
  {
    fleet,
    store,
    client,
    tiles,
    station,
    alerts,
    patrols,
    goto,
    video,
    videoSources,
    recordings,
    metrics,
    webDir,
    startedAt,
    allowedOrigins = [],
    log,
    city,
    trustProxy = false,
    stationOf,
    stations,
    incidentStation,
    stationOfRoute,
  }: AppOptions,
): express.Express {
  const app = express();
  const ctx = { users: store.users, audit: store.audit };
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  // A request another node of the city forwarded: who really asked (city.ts).
  if (city) app.use(city.trustLoopback);
  // The store answers with promises: one sent unawaited would go out as `{}` with a 200. Refused
  // loudly instead (the error handler logs it and answers 500), so such a slip cannot pass a test.
  app.use((_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body?: unknown) => {
      if (body instanceof Promise) throw new Error('res.json() was given a Promise: await what the store answers');
      return json(body);
    };
    next();
  });
  app.use(helmet({
    contentSecurityPolicy: {
      directives: {
        // Map tiles come from the configured tile server; everything else from us.
        'img-src': ["'self'", 'data:', 'blob:', ...tileOrigins(client.tiles)],
        'style-src': ["'self'", "'unsafe-inline'"],
        // The live video plays from a MediaSource, which the <video> reads through a blob: URL.
        'media-src': ["'self'", 'blob:'],
        'upgrade-insecure-requests': null,
      },
    },
    strictTransportSecurity: false, // only meaningful behind TLS; set by the TLS front (issue 10)
  }));

  // While stopping, nothing that changes state (a flight command above all) is taken any more.
  app.use((req, res, next) => {
    if (app.locals.stopping && req.method !== 'GET') {
      res.status(503).json(saidBody(said('service_stopping', { reason: stoppingReason(String(app.locals.stopping)) })));
      return;
    }
    next();
  });

  // A page of another origin (another port of this host is "same site": the cookie rides along) changes nothing.
  app.use(rejectForeignOrigins(allowedOrigins, store.audit));

  // Public: the login itself, liveness for monitors, metrics, and the map's non-secret settings.
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  app.use('/api', createAuthRouter(ctx));
  app.get('/api/health', (_req, res) => {
    const health = healthView(fleet, startedAt, store.db.dialect, store.journal.state());
    res.json(city ? { ...health, city: city.health() } : health);
  });
  app.get('/api/config', (_req, res) => {
    res.json(client);
  });
  // Tiles are as public as the map settings: the map is drawn behind the login dialog.
  if (tiles) app.use('/tiles', tiles);

  // A route file is larger: POST /api/routes and PUT /api/routes/:id parse their own bodies with the
  // route size limit (after the role check). Everything else, /api/routes/:id/upload too, is small.
  const json = express.json({ limit: '1mb' });
  const routeFile = /^\/api\/routes(\/[^/]+)?\/?$/;
  app.use((req, res, next) => (routeFile.test(req.path) ? next() : json(req, res, next)));
  const watchers = requireRole(ctx, 'pilot', 'command', 'admin');
  app.get('/api/links', watchers, (_req, res) => {
    res.json(linkViews(fleet));
  });
  app.get('/api/station', watchers, (_req, res) => {
    res.json(station);
  });
  // A drone of another station than the user's: refused here, wherever the drone is linked.
  app.use(droneScopeGuard(ctx, stationOf));
  // Another node's drone: the request is carried out where its link is (before anything here reads it).
  if (city) app.use(city.forward);
  app.get('/api/vehicles', watchers, (req, res) => {
    const all = city ? [...vehicleViews(fleet), ...city.remoteViews()] : vehicleViews(fleet);
    res.json(all.filter((v) => inScope(req.user!, v.station)));
  });
  app.get('/api/vehicles/:id', watchers, (req, res) => {
    const v = fleet.get(String(req.params.id));
    if (!v) {
      res.status(404).json(saidBody(said('vehicle_unknown_listed', { vehicle: String(req.params.id) })));
      return;
    }
    res.json(vehicleView(fleet, v));
  });
  app.use('/api/users', createUsersRouter(ctx));
  app.use('/api', createStationsRouter({ ...stations, ctx }));
  app.use('/api', createAlertsRouter({ ...alerts, ctx, fleet, stationOf, incidentStation }));
  app.use(
    '/api',
    createPatrolsRouter({
      ctx,
      patrols: patrols.patrols,
      control: patrols.control,
      scheduler: patrols.scheduler,
      runs: store.runs,
      tracks: store.tracks,
      stationOf,
      routeStation: routeStationIn(patrols.routes, stationOfRoute),
    }),
  );
  if (goto) {
    // the history of past gotos (their list and tracks) reads the store; their video is in recordings
    const incidentNumber = (id: number) => goto.incident(id)?.number ?? null;
    app.use('/api', createGotoHistoryRouter({ ctx, records: store.gotos, tracks: store.tracks, incidentNumber, stationOf }));
    app.use('/api', createGotoRouter({ ...goto, ctx, stationOf, incidentStation }));
  }
  if (video) app.use('/api', createVideoRouter({ ...video, ctx, stationOf }));
  if (videoSources) app.use('/api/video-sources', createVideoSourcesRouter({ ...videoSources, ctx }));
  if (recordings) app.use('/api', createRecordingsRouter({ ...recordings, ctx, stationOf }));
  // Routes: reading for everyone who watches the fleet; changes for pilots and admins (sending one
  // to a drone is a flight command, in the patrols router above).
  // A station's people have their station's routes and the city's (route-scope.ts).
  app.use(
    '/api/routes',
    watchers,
    createRoutesRouter(patrols.routes, { edit: requireRole(ctx, 'pilot', 'admin'), audit: store.audit, scope: { ctx, stationOfRoute } }),
  );
  app.get('/api/audit', requireRole(ctx, 'admin'), async (req, res) => {
    const q = AuditQuery.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: `invalid query: ${describeIssues(q.error)}` });
      return;
    }
    res.json(await store.audit.query(q.data));
  });
  app.use('/api', (req, res) => {
    res.status(404).json({ error: `no API route ${req.method} ${req.originalUrl}` });
  });

  if (fs.existsSync(path.join(webDir, 'index.html'))) {
    app.use(express.static(webDir, { index: 'index.html', extensions: ['html'], maxAge: '1h', setHeaders: noCacheHtml }));
  } else {
    app.get('/', (_req, res) => {
      res.status(503).type('text').send(`The web app is not built (${webDir}/index.html missing). Run: npx vite build`);
    });
  }

  app.use(apiErrorHandler(log));
  return app;
}

function noCacheHtml(res: express.Response, file: string): void {
  if (file.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}
