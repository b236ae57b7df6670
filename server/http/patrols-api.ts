import express from 'express';
import { z } from 'zod';
import { ControlError, type ControlRegistry } from '../patrols/control.ts';
import type { Route } from '../missions/model.ts';
import { routeShape } from '../missions/views.ts';
import { toGpx, toKml } from '../patrols/export.ts';
import { ACTIONS, PatrolError, type Patrols } from '../patrols/patrols.ts';
import type { Scheduler } from '../patrols/scheduler.ts';
import type { RunStore } from '../store/runs.ts';
import type { TrackStore } from '../store/tracks.ts';
import type { RunView } from '../wire/types.ts';
import { said, term } from '../wire/messages.ts';
import { VehicleId, vehicleIdProblem } from '../vehicles/vehicle-id.ts';
import { ipOf, requireRole, type AuthContext } from './auth.ts';
import { droneInScope, outOfScope, scopeOf, type StationOf } from './scope.ts';
import { dueFor, routeOutOfScope } from './route-scope.ts';
import { describeIssues, parseBody } from './validate.ts';
import { refusalBody, saidBody, statusOf } from './errors.ts';

export interface PatrolsApiOptions {
  ctx: AuthContext;
  patrols: Patrols;
  control: ControlRegistry;
  scheduler: Scheduler;
  runs: RunStore;
  tracks: TrackStore;
  /** which station each drone belongs to: a station's people see only its drones' control and runs (scope.ts) */
  stationOf: StationOf;
  /** which station each route belongs to (route-scope.ts), null: the city's, everyone's to fly */
  routeStation: (routeId: string) => string | null;
}

// A flight command is sent only when the pilot confirmed it: the client must say so explicitly.
const confirmed = z.literal(true, { error: 'must be true: the pilot confirms every flight command' });
const Launch = z.object({ routeId: z.string().min(1).max(100), overrides: z.array(z.string()).max(20).default([]), confirm: confirmed });
const Command = z.object({ action: z.enum(ACTIONS), confirm: confirmed });
const Control = z.object({ action: z.enum(['take', 'release']) });
const UploadTarget = z.object({ vehicleId: VehicleId });
const Upload = z.object({ vehicleId: VehicleId, confirm: confirmed });
const RouteId = z.string().max(100, 'a route id has at most 100 characters');
// An autopilot keeps what it had received of an upload that failed (ArduPilot: a mix of old and new items).
const PARTIAL_UPLOAD = 'the drone may now hold part of this route mixed with its old mission: upload again before flying it in AUTO';
const RunsQuery = z.object({
  vehicleId: z.string().optional(),
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** Control of drones, preflight, launch, mission upload, in-flight commands, and the flight records. */
export function createPatrolsRouter(o: PatrolsApiOptions): express.Router {
  const { ctx, patrols, control } = o;
  const router = express.Router();
  const pilot = requireRole(ctx, 'pilot');
  const pilotOrAdmin = requireRole(ctx, 'pilot', 'admin');
  const watch = requireRole(ctx, 'pilot', 'command', 'admin');
  const audit = (req: express.Request, action: string, target: string, result: string, detail?: unknown) =>
    ctx.audit.record({ user: req.user?.name ?? null, action, target, result, detail, ip: ipOf(req) });
  const vid = (req: express.Request) => String(req.params.id);

  /** Refusals (no control, failed preflight, no such drone) as 4xx with the reason, audited. */
  const refuse = (req: express.Request, res: express.Response, action: string, err: unknown, target = vid(req), detail: object = { body: req.body }) => {
    if (!(err instanceof PatrolError) && !(err instanceof ControlError)) throw err;
    audit(req, action, target, 'refused', { reason: err.message, ...detail });
    res.status(statusOf(err)).json({ ...refusalBody(err), ...(err instanceof PatrolError && err.preflight ? { preflight: err.preflight } : {}) });
  };

  /**
   * A vehicle id no drone could have is refused first, before the role check: nothing of it is
   * stored, audited or broadcast. (Unknown but well-formed ids are each route's business: 404.)
   */
  const wellFormedId: express.RequestHandler = (req, res, next) => {
    const problem = vehicleIdProblem(vid(req));
    if (problem) res.status(400).json({ error: problem });
    else next();
  };
  // A held id can always be released, so one stored before ids were checked can be cleaned up.
  const heldOrWellFormedId: express.RequestHandler = (req, res, next) => {
    if (control.holder(vid(req)) !== null) next();
    else wellFormedId(req, res, next);
  };

  router.get('/control', watch, (req, res) => {
    res.json(Object.fromEntries(Object.entries(control.all()).filter(([id]) => droneInScope(req.user!, o.stationOf, id))));
  });
  // A station's people are shown the due patrols of their station's routes and the city's.
  router.get('/patrols/due', watch, (req, res) => {
    res.json(dueFor(scopeOf(req.user!), o.scheduler.list(), o.routeStation));
  });
  // Pilots take and release; an admin may release a drone whoever holds it, but not take one.
  router.post('/vehicles/:id/control', heldOrWellFormedId, pilotOrAdmin, async (req, res) => {
    const body = parseBody(Control, req, res);
    if (!body) return;
    const user = req.user!;
    const from = control.holder(vid(req));
    try {
      if (body.action === 'take') {
        if (!user.roles.includes('pilot'))
          throw new ControlError('forbidden', said('control_needs_pilot', { user: user.name, has: user.roles.map((r) => term(`role_${r}`, r)) }));
        await control.take(vid(req), user.name);
        audit(req, 'control.take', vid(req), 'ok');
      } else {
        await control.release(vid(req), user.name, user.roles.includes('admin'));
        audit(req, 'control.release', vid(req), 'ok', { from, ...(from !== null && from !== user.name ? { asAdmin: true } : {}) });
      }
      res.json({ vehicleId: vid(req), pilot: control.holder(vid(req)) });
    } catch (err) {
      refuse(req, res, `control.${body.action}`, err);
    }
  });

  router.get('/vehicles/:id/preflight', wellFormedId, pilot, (req, res) => {
    const routeId = typeof req.query.routeId === 'string' ? req.query.routeId : '';
    if (!routeId) {
      res.status(400).json({ error: 'routeId: give the route to check, e.g. ?routeId=night-market' });
      return;
    }
    if (routeOutOfScope(ctx, req, res, routeId, o.routeStation(routeId))) return;
    try {
      res.json(patrols.checks(vid(req), routeId, req.user!.name));
    } catch (err) {
      refuse(req, res, 'patrol.preflight', err);
    }
  });

  router.post('/vehicles/:id/patrol', wellFormedId, pilot, async (req, res) => {
    const body = parseBody(Launch, req, res);
    // Another station's route is flown by none of this station's drones: refused before anything is sent.
    if (!body || routeOutOfScope(ctx, req, res, body.routeId, o.routeStation(body.routeId))) return;
    try {
      control.require(vid(req), req.user!.name);
      const run = await patrols.launch(vid(req), body.routeId, req.user!.name, body.overrides);
      audit(req, 'patrol.launch', vid(req), 'ok', { runId: run.id, routeId: body.routeId, overrides: body.overrides });
      res.status(201).json(patrols.live(run.id));
    } catch (err) {
      refuse(req, res, 'patrol.launch', err);
    }
  });

  router.post('/vehicles/:id/command', wellFormedId, pilot, async (req, res) => {
    const body = parseBody(Command, req, res);
    if (!body) return;
    try {
      control.require(vid(req), req.user!.name);
      const out = await patrols.command(vid(req), body.action);
      audit(req, 'vehicle.command', vid(req), out.result, { action: body.action, ...out });
      res.status(out.result === 'accepted' ? 200 : 502).json(out.result === 'accepted' ? out : { ...out, error: out.reason });
    } catch (err) {
      refuse(req, res, 'vehicle.command', err);
    }
  });

  // Sending a route to a drone replaces what it will fly: a flight command like a launch, with
  // the mission's share of the launch's checks (Patrols.uploadMission), audited with its result.
  router.post(
    '/routes/:id/upload',
    (req, res, next) => {
      const id = RouteId.safeParse(req.params.id);
      if (id.success) next();
      else res.status(400).json({ error: `route id: ${id.error.issues[0]!.message}` });
    },
    pilot,
    async (req, res) => {
      // Another station's route: refused (audited on route:<id>) before anything is read or sent.
      if (routeOutOfScope(ctx, req, res, String(req.params.id), o.routeStation(String(req.params.id)))) return;
      // A malformed vehicle id is refused before anything is written; other faults are audited.
      const target = parseBody(UploadTarget, req, res);
      if (!target) return;
      const routeId = String(req.params.id);
      const action = 'mission.upload';
      const body = Upload.safeParse(req.body);
      if (!body.success) {
        const error = `invalid request body: ${describeIssues(body.error)}`;
        audit(req, action, target.vehicleId, 'refused', { reason: error, routeId });
        res.status(400).json({ error });
        return;
      }
      try {
        const { preflight, result } = await patrols.uploadMission(target.vehicleId, routeId, req.user!.name);
        const outcome = result.kind === 'success' ? 'accepted' : result.kind === 'busy' ? 'refused' : 'failed';
        audit(req, action, target.vehicleId, outcome, {
          routeId,
          kind: result.kind,
          message: result.message,
          verified: result.verified,
          ...(result.where ? { where: result.where } : {}),
        });
        if (result.kind === 'success') res.json({ ...result, preflight });
        else if (result.kind === 'busy') res.status(409).json({ ...result, error: result.message, preflight });
        else res.status(502).json({ ...result, error: result.message, warning: PARTIAL_UPLOAD, preflight });
      } catch (err) {
        const runId = patrols.activeFor(target.vehicleId)?.id;
        refuse(req, res, action, err, target.vehicleId, { routeId, ...(runId !== undefined ? { runId } : {}) });
      }
    },
  );

  /**
   * Runs' highest altitude and lowest battery as their records keep them; where a record has none
   * (a run recorded before it kept them, or ended before its first save), from its stored track:
   * those of all the runs given in one query.
   */
  const withFigures = async (runs: RunView[]): Promise<RunView[]> => {
    const lacking = runs.filter((r) => r.endedAt !== null && (r.minBattery === null || r.maxAltM <= 0));
    const tracks = await o.runs.trackFigures(lacking.map((r) => ({ id: r.id, vehicleId: r.vehicleId, from: r.startedAt, to: r.endedAt! })));
    return runs.map((run) => {
      const track = tracks.get(run.id);
      if (!track) return run;
      return {
        ...run,
        maxAltM: run.maxAltM > 0 || track.maxAltM === null ? run.maxAltM : Math.round(Math.max(0, track.maxAltM) * 10) / 10,
        minBattery: run.minBattery ?? track.minBattery,
      };
    });
  };

  // The history's list: a few queries however many runs (the list, their events, the figures of those lacking them).
  router.get('/runs', watch, async (req, res) => {
    const q = RunsQuery.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: `invalid query: ${describeIssues(q.error)}` });
      return;
    }
    // A station's people get its drones' runs (of the `limit` newest, those in their scope).
    const runs = (await o.runs.list(q.data)).filter((r) => droneInScope(req.user!, o.stationOf, r.vehicleId));
    res.json(await withFigures(await patrols.views(runs)));
  });

  /** The run, or null when it was answered: 404 unknown, 403 of another station's drone. */
  const runOr404 = async (req: express.Request, res: express.Response) => {
    const run = await patrols.view(Number(req.params.id));
    if (!run) res.status(404).json(saidBody(said('run_unknown', { run: String(req.params.id) })));
    else if (outOfScope(ctx, o.stationOf, req, res, run.vehicleId, `run:${run.id}`)) return null;
    return run;
  };
  router.get('/runs/:id', watch, async (req, res) => {
    const run = await runOr404(req, res);
    if (run) res.json((await withFigures([run]))[0]);
  });
  // The route as it was uploaded for this run: the file may have been edited since.
  router.get('/runs/:id/route', watch, async (req, res) => {
    const row = await o.runs.get(Number(req.params.id));
    if (!row) res.status(404).json(saidBody(said('run_unknown', { run: String(req.params.id) })));
    else if (!outOfScope(ctx, o.stationOf, req, res, row.vehicleId, `run:${row.id}`)) res.json(routeShape(JSON.parse(row.routeJson) as Route));
  });
  router.get('/runs/:id/track{.:format}', watch, async (req, res) => {
    const run = await runOr404(req, res);
    if (!run) return;
    const points = await o.tracks.track(run.vehicleId, run.startedAt, run.endedAt ?? Date.now());
    const format = req.params.format ?? 'json';
    const name = `skybeat-run-${run.id}`;
    if (format === 'gpx') res.type('application/gpx+xml').attachment(`${name}.gpx`).send(toGpx(run, points));
    else if (format === 'kml') res.type('application/vnd.google-earth.kml+xml').attachment(`${name}.kml`).send(toKml(run, points));
    else if (format === 'json') res.json(points);
    else res.status(400).json({ error: `track format "${format}": use .gpx, .kml or none for JSON` });
  });
  return router;
}
