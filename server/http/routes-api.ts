import express, { type ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { exportRoute } from '../missions/formats/index.ts';
import { waypointsOmissions } from '../missions/formats/wpl.ts';
import { ROUTE_MAX_BYTES, ROUTE_MAX_MB } from '../missions/limits.ts';
import { RouteFileError, type RouteEntry, type RouteInput, type RouteStore } from '../missions/store.ts';
import { routeDetail, routeSummary } from '../missions/views.ts';
import { parseSchedule, ScheduleError } from '../patrols/schedule.ts';
import type { AuditLog } from '../store/audit.ts';
import { type AuthContext, ipOf } from './auth.ts';
import { routeInScope, routeOutOfScope, type StationOfRoute } from './route-scope.ts';
import { scopeOf } from './scope.ts';
import { describeIssues, parseBody } from './validate.ts';
import { said } from '../wire/messages.ts';
import { CITY_SCOPE } from '../wire/types.ts';
import { refusalBody, saidBody, statusOf, type RefusalBody } from './errors.ts';

/**
 * Patrol routes over HTTP, mounted at /api/routes. Reading is open to every signed-in role;
 * changes pass guards.edit (pilot or admin) and are audited (route.create, route.replace,
 * route.rename, route.edit, route.delete; refusals too). An import's preview writes nothing and
 * is not audited. Sending a route to a drone is a flight command: see POST /routes/:id/upload in
 * patrols-api.ts. A station's people read and change their station's routes and the city's only,
 * and save none naming another station (route-scope.ts): 403 scope_other_station, audited.
 */

const FileUpload = z.object({
  fileName: z.string({ error: 'expected the file name, e.g. "night-market.plan"' }).min(1, 'must not be empty'),
  content: z.string({ error: "expected the file's text" }),
  altitude: z.number().positive('metres above home, more than 0').optional(),
});
const FORMATS = ['plan', 'waypoints'] as const;

const Rename = z.object({ to: z.string({ error: 'expected the new name, e.g. "night-market-2"' }).min(1, 'must not be empty') });
/** A drone's id as the service checks it everywhere (at most 64 of A-Z a-z 0-9 _ . : -), or "" for none. */
const DRONE_ID = /^([A-Za-z0-9_.:-]{1,64})?$/;
const text = (max: number) => z.string({ error: 'expected text' }).max(max, `at most ${max} characters`);
const MetaChange = z.object({
  nameZh: text(100),
  nameEn: text(100),
  notes: text(2000),
  // The scheduler's own reading, so a schedule saved here is one it can follow; its message says what is wrong.
  schedule: text(200).superRefine((v, ctx) => {
    const problem = scheduleProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.error });
  }),
  defaultDrone: z.string({ error: 'expected a drone id' }).regex(DRONE_ID, 'a drone id: at most 64 letters, digits, "_", ".", ":" or "-"'),
}).partial().strict();

/** What is wrong with a schedule, as the scheduler reads it; null for one it can follow (or none). */
function scheduleProblem(v: string): Required<RefusalBody> | null {
  try {
    return v.trim() !== '' && parseSchedule(v) === null ? saidBody(said('schedule_unreadable', { schedule: v })) : null;
  } catch (err) {
    if (err instanceof ScheduleError) return saidBody(err.said);
    throw err;
  }
}

export interface RoutesRouterDeps {
  /** pilot or admin */
  edit: express.RequestHandler;
  audit: Pick<AuditLog, 'record'>;
  /**
   * Routes per station (route-scope.ts): a station's people have their station's routes and the
   * city's only. Without it every route is everyone's (the router on its own, in tests).
   */
  scope?: { ctx: AuthContext; stationOfRoute: StationOfRoute };
}

export function createRoutesRouter(store: RouteStore, guards: RoutesRouterDeps): express.Router {
  const router = express.Router();
  const audit = (req: express.Request, action: string, target: string, result: string, detail?: unknown) =>
    guards.audit.record({ user: req.user?.name ?? null, action, target, result, detail, ip: ipOf(req) });
  const idOf = (req: express.Request) => String(req.params.id);
  /** A change, audited with its outcome; a refusal is audited with its reason and answered by onError. */
  const audited = async <T>(req: express.Request, action: string, target: string, change: () => Promise<T>, detail: object = {}): Promise<T> => {
    try {
      const done = await change();
      audit(req, action, target, 'ok', detail);
      return done;
    } catch (err) {
      if (err instanceof RouteFileError) audit(req, action, target, 'refused', { reason: err.message, ...detail });
      throw err;
    }
  };
  const stationOfEntry = (e: RouteEntry | undefined) => guards.scope?.stationOfRoute(e?.route?.meta.station) ?? null;
  /** Refused (403, audited) when route `id` of `station` is not for req.user: true, and the request is answered. */
  const otherStations = (req: express.Request, res: express.Response, id: string, station: string | null) =>
    guards.scope !== undefined && req.user !== undefined && routeOutOfScope(guards.scope.ctx, req, res, id, station);
  /** A change to a route of another station than the user's: refused before its body is read. */
  const notTheirs: express.RequestHandler = (req, res, next) => {
    if (!otherStations(req, res, idOf(req), stationOfEntry(store.get(idOf(req))))) next();
  };
  /**
   * The station a route to be saved names, as far as it can be read before saving (null: none known,
   * or unreadable, and then the save itself says what is wrong). A file is read as the preview reads
   * it; only for a station's people, the city's may save any.
   */
  const stationNamedIn = (req: express.Request, body: RouteInput): string | null => {
    if (!guards.scope || !req.user || scopeOf(req.user) === CITY_SCOPE) return null;
    if (!('fileName' in body)) {
      const meta: unknown = (body.route as { meta?: unknown }).meta;
      const named = typeof meta === 'object' && meta !== null ? (meta as { station?: unknown }).station : undefined;
      return typeof named === 'string' ? guards.scope.stationOfRoute(named) : null;
    }
    try {
      return guards.scope.stationOfRoute(store.preview(body).entry.route?.meta.station);
    } catch (err) {
      if (err instanceof RouteFileError) return null;
      throw err;
    }
  };
  // The one route size limit (the app's own body parser, for everything else, is smaller).
  router.use(express.json({ limit: ROUTE_MAX_BYTES }));

  /** A file's text, or route JSON (the body itself). */
  const input = (req: express.Request, res: express.Response): RouteInput | undefined => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      res.status(400).json({ error: 'request body must be a JSON object: {fileName, content} or a route' });
      return undefined;
    }
    if (!('fileName' in body) && !('content' in body)) return { route: body };
    return parseBody(FileUpload, req, res);
  };

  const entryOr404 = (id: string, res: express.Response) => {
    const e = store.get(id);
    if (!e) res.status(404).json(saidBody(said('route_unknown_listed', { route: id })));
    return e;
  };

  // A station's people are listed their station's routes and the city's.
  router.get('/', (req, res) => {
    res.json(store.list().filter((e) => !req.user || routeInScope(req.user, stationOfEntry(e))).map(routeSummary));
  });

  router.get('/:id', (req, res) => {
    const e = entryOr404(idOf(req), res);
    if (e && !otherStations(req, res, e.id, stationOfEntry(e))) res.json(routeDetail(e, store.checks));
  });

  router.get('/:id/export', (req, res) => {
    const e = entryOr404(idOf(req), res);
    if (!e || otherStations(req, res, e.id, stationOfEntry(e))) return;
    const format = FORMATS.find((f) => f === (req.query.format ?? 'plan'));
    if (!format) {
      res.status(400).json({ error: `format: expected "plan" or "waypoints", got "${String(req.query.format)}"` });
      return;
    }
    if (!e.route) {
      res.status(422).json({ ...saidBody(said('route_unreadable', { file: e.file })), issues: e.issues });
      return;
    }
    const omitted = format === 'waypoints' ? waypointsOmissions(e.route) : [];
    if (omitted.length) res.setHeader('X-Route-Omitted', omitted.join('; '));
    res.attachment(`${e.id}.${format}`).type('text/plain; charset=utf-8').send(exportRoute(e.route, format));
  });

  /** What the file would make, with every problem found: nothing is written (the page saves it after the pilot has seen it). */
  router.post('/preview', guards.edit, (req, res) => {
    const body = parseBody(FileUpload, req, res);
    if (!body) return;
    const { entry, exists } = store.preview(body);
    res.json({ ...routeDetail(entry, store.checks), exists });
  });

  /** A change's body, or a 400 naming the field, audited as a refused change. */
  const changeBody = <T extends z.ZodType>(schema: T, req: express.Request, res: express.Response, action: string): z.infer<T> | undefined => {
    const r = schema.safeParse(req.body ?? {});
    if (r.success) return r.data;
    const error = `invalid request body: ${describeIssues(r.error)}`;
    audit(req, action, idOf(req), 'refused', { reason: error });
    // A schedule the scheduler cannot read is what people meet here: said in their language.
    const schedule = r.error.issues.every((i) => i.path[0] === 'schedule') ? scheduleProblem(String((req.body as { schedule?: unknown }).schedule)) : null;
    res.status(400).json(schedule ? { error, said: said('route_schedule', { problem: schedule.said }) } : { error });
    return undefined;
  };

  const fileOf = (body: RouteInput) => ('fileName' in body ? { fileName: body.fileName } : {});

  router.post('/', guards.edit, async (req, res) => {
    const body = input(req, res);
    if (!body) return;
    const target = 'fileName' in body ? body.fileName : String((body.route as { id?: unknown }).id ?? '');
    if (otherStations(req, res, target, stationNamedIn(req, body))) return;
    const entry = await audited(req, 'route.create', target, () => store.create(body), fileOf(body));
    res.status(201).json(routeDetail(entry, store.checks));
  });

  router.put('/:id', guards.edit, notTheirs, async (req, res) => {
    const body = input(req, res);
    if (!body || otherStations(req, res, idOf(req), stationNamedIn(req, body))) return;
    const entry = await audited(req, 'route.replace', idOf(req), () => store.replace(idOf(req), body), fileOf(body));
    res.json(routeDetail(entry, store.checks));
  });

  /** Names, schedule, default drone, notes: the mission stays as it is. */
  router.patch('/:id', guards.edit, notTheirs, async (req, res) => {
    const meta = changeBody(MetaChange, req, res, 'route.edit');
    if (!meta) return;
    const entry = await audited(req, 'route.edit', idOf(req), () => store.updateMeta(idOf(req), meta), { meta });
    res.json(routeDetail(entry, store.checks));
  });

  router.post('/:id/rename', guards.edit, notTheirs, async (req, res) => {
    const body = changeBody(Rename, req, res, 'route.rename');
    if (!body) return;
    const entry = await audited(req, 'route.rename', idOf(req), () => store.rename(idOf(req), body.to), { to: body.to });
    res.json(routeDetail(entry, store.checks));
  });

  router.delete('/:id', guards.edit, notTheirs, async (req, res) => {
    await audited(req, 'route.delete', idOf(req), () => store.remove(idOf(req)));
    res.status(204).end();
  });

  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    if (err instanceof RouteFileError) res.status(statusOf(err)).json({ ...refusalBody(err), issues: err.issues });
    else if (err?.type === 'entity.parse.failed') res.status(400).json({ error: `request body is not valid JSON: ${err.message}` });
    else if (err?.type === 'entity.too.large') res.status(413).json(saidBody(said('route_request_too_large', { max: ROUTE_MAX_MB })));
    else next(err);
  };
  router.use(onError);
  return router;
}
