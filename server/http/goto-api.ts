import express from 'express';
import { z } from 'zod';
import { ControlError } from '../patrols/control.ts';
import { DroneRequestError, type DroneRequests } from '../patrols/drone-requests.ts';
import { GotoError, type GotoRequest, type Gotos } from '../patrols/goto.ts';
import { InOrder, stderrLog } from '../in-order.ts';
import type { Logger } from '../log.ts';
import { VehicleId, vehicleIdProblem } from '../vehicles/vehicle-id.ts';
import { CITY_SCOPE, type DroneRequestView, type GotoView, type JobDroneView, type LatLon } from '../wire/types.ts';
import { said } from '../wire/messages.ts';
import { ipOf, requireRole, type AuthContext } from './auth.ts';
import { refusalBody, saidBody, statusOf } from './errors.ts';
import { officerRoom } from './live-alerts.ts';
import { isWatcher, type LiveServer } from './live.ts';
import { droneInScope, type IncidentStation, incidentOutOfScope, inScope, refuseOtherStation, roomsOf, scopeOf, scopeRoom, type StationOf } from './scope.ts';
import { parseBody } from './validate.ts';

export interface GotoApiOptions {
  ctx: AuthContext;
  gotos: Gotos;
  requests: DroneRequests;
  /** an incident's place, number and whether it is over (resolved or closed), or null when there is none */
  incident: (alertId: number) => (LatLon & { number: string; over: boolean }) | null;
  /** which station each drone belongs to: a station's people see only its drones' gotos (scope.ts) */
  stationOf: StationOf;
  /** the station whose area holds an incident: a station's people see and make only its drone requests (scope.ts) */
  incidentStation: IncidentStation;
}

/**
 * The drone requests a scope sees (a station's id, or the city): the city's people every one; a
 * station's those of incidents in its area, each with only its own drones among those that could go.
 */
export function requestsIn(scope: string, list: DroneRequestView[], stationOf: StationOf, incidentStation: IncidentStation): DroneRequestView[] {
  if (scope === CITY_SCOPE) return list;
  return list.filter((r) => incidentStation(r.target) === scope).map((r) => ({
    ...r,
    candidates: r.candidates.filter((c) => stationOf(c.vehicleId) === scope),
  }));
}

// A flight command is sent only when the pilot confirmed it: the client must say so explicitly.
const confirmed = z.literal(true, { error: 'must be true: the pilot confirms every flight command' });
const lat = z.number().min(-90).max(90);
const lon = z.number().min(-180).max(180);
const altM = z.number().positive().max(1000).optional();
const holdMin = z.number().positive().max(120).optional();
const Goto = z.object({ lat, lon, altM, holdMin, alertId: z.number().int().positive().optional(), confirm: confirmed });
const Confirmed = z.object({ confirm: confirmed });
const Keep = z.object({ keep: z.boolean(), confirm: confirmed });
const Request = z.object({ note: z.string().max(500).default('') });
const Accept = z.object({ vehicleId: VehicleId, altM, holdMin, confirm: confirmed });
const ChecksQuery = z.object({
  lat: z.coerce.number().min(-90).max(90),
  lon: z.coerce.number().min(-180).max(180),
  alertId: z.coerce.number().int().positive().optional(),
  altM: z.coerce.number().positive().optional(),
  holdMin: z.coerce.number().positive().optional(),
});

/**
 * Drone to the scene: send a drone to a point (pilots in control, confirmed, audited), follow it,
 * bring it back or back to its patrol; the command room's requests for a drone over an incident.
 */
export function createGotoRouter(o: GotoApiOptions): express.Router {
  const { ctx, gotos, requests } = o;
  const router = express.Router();
  const pilot = requireRole(ctx, 'pilot');
  const watch = requireRole(ctx, 'pilot', 'command', 'admin');
  const dispatcher = requireRole(ctx, 'command', 'admin', 'pilot');
  const audit = (req: express.Request, action: string, target: string, result: string, detail?: unknown) =>
    ctx.audit.record({ user: req.user?.name ?? null, action, target, result, detail, ip: ipOf(req) });
  const vid = (req: express.Request) => String(req.params.id);
  const num = (req: express.Request) => Number(req.params.id);

  /** Refusals as 4xx with the reason (and the checks, when they refused), audited. */
  const refuse = (req: express.Request, res: express.Response, action: string, target: string, err: unknown) => {
    if (!(err instanceof GotoError) && !(err instanceof ControlError) && !(err instanceof DroneRequestError)) throw err;
    audit(req, action, target, 'refused', { reason: err.message, body: req.body });
    res.status(statusOf(err)).json({ ...refusalBody(err), ...(err instanceof GotoError && err.checks ? { checks: err.checks } : {}) });
  };
  const wellFormedId: express.RequestHandler = (req, res, next) => {
    const problem = vehicleIdProblem(vid(req));
    if (problem) res.status(400).json({ error: problem });
    else next();
  };
  const numericId: express.RequestHandler = (req, res, next) => {
    if (Number.isInteger(num(req)) && num(req) > 0) next();
    else res.status(400).json({ error: `id: "${vid(req)}" is not a number` });
  };

  // Those under way and those that ended in the last 12 hours (kept across restarts).
  router.get('/gotos', watch, async (req, res) => {
    res.json((await gotos.shownViews()).filter((g) => droneInScope(req.user!, o.stationOf, g.vehicleId)));
  });
  router.get('/vehicles/:id/goto', wellFormedId, watch, async (req, res) => {
    const g = await gotos.current(vid(req));
    if (!g) res.status(404).json(saidBody(said('goto_not_sent', { vehicle: vid(req) })));
    else res.json(g);
  });
  router.get('/vehicles/:id/goto/checks', wellFormedId, pilot, (req, res) => {
    const q = ChecksQuery.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: `give the point: ?lat=…&lon=… (${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})` });
      return;
    }
    try {
      res.json(
        gotos.checks({
          vehicleId: vid(req),
          target: { lat: q.data.lat, lon: q.data.lon },
          altM: q.data.altM,
          holdMin: q.data.holdMin,
          alertId: q.data.alertId,
          pilot: req.user!.name,
        }),
      );
    } catch (err) {
      refuse(req, res, 'goto.checks', vid(req), err);
    }
  });

  const send = async (req: express.Request, r: GotoRequest) => {
    const view = await gotos.send(r);
    audit(req, 'goto.send', r.vehicleId, 'ok', {
      gotoId: view.id,
      lat: r.target.lat,
      lon: r.target.lon,
      altM: view.altM,
      holdMin: view.holdMin,
      alertId: view.alertId,
    });
    return view;
  };

  router.post('/vehicles/:id/goto', wellFormedId, pilot, async (req, res) => {
    const body = parseBody(Goto, req, res);
    if (!body) return;
    try {
      res.status(201).json(
        await send(req, {
          vehicleId: vid(req),
          target: { lat: body.lat, lon: body.lon },
          altM: body.altM,
          holdMin: body.holdMin,
          alertId: body.alertId,
          pilot: req.user!.name,
        }),
      );
    } catch (err) {
      refuse(req, res, 'goto.send', vid(req), err);
    }
  });

  router.post('/vehicles/:id/goto/return', wellFormedId, pilot, async (req, res) => {
    if (!parseBody(Confirmed, req, res)) return;
    try {
      const { view, outcome } = await gotos.home(vid(req), req.user!.name);
      audit(req, 'goto.return', vid(req), outcome.result, { gotoId: view.id, ...(outcome.result !== 'accepted' ? { reason: outcome.reason } : {}) });
      res.json({ ...outcome, goto: view });
    } catch (err) {
      refuse(req, res, 'goto.return', vid(req), err);
    }
  });

  router.post('/vehicles/:id/goto/resume', wellFormedId, pilot, async (req, res) => {
    if (!parseBody(Confirmed, req, res)) return;
    try {
      const { view, outcome } = await gotos.resumePatrol(vid(req), req.user!.name);
      audit(req, 'goto.resume', vid(req), outcome.result, { gotoId: view.id, ...(outcome.result !== 'accepted' ? { reason: outcome.reason } : {}) });
      res.json({ ...outcome, goto: view });
    } catch (err) {
      refuse(req, res, 'goto.resume', vid(req), err);
    }
  });

  // The pilot keeps the drone over the point past the battery limit (or gives that back): audited.
  router.post('/vehicles/:id/goto/keep-holding', wellFormedId, pilot, (req, res) => {
    const body = parseBody(Keep, req, res);
    if (!body) return;
    try {
      const view = gotos.keepHolding(vid(req), req.user!.name, body.keep);
      audit(req, 'goto.keep_holding', vid(req), 'ok', { gotoId: view.id, keep: body.keep });
      res.json(view);
    } catch (err) {
      refuse(req, res, 'goto.keep_holding', vid(req), err);
    }
  });

  router.get('/drone-requests', watch, async (req, res) => {
    res.json(requestsIn(scopeOf(req.user!), await requests.list(), o.stationOf, o.incidentStation));
  });
  /** A request (open: one answered goes on to its own refusal) about an incident of another station: 403. */
  const ownRequest: express.RequestHandler = async (req, res, next) => {
    const r = await requests.open(num(req)).catch(() => null);
    const station = r && o.incidentStation(r.target);
    if (!r || inScope(req.user!, station)) return next();
    refuseOtherStation(ctx, req, res, req.user!, `#${r.id}`, station, `request:${r.id}`);
  };
  router.post('/alerts/:id/drone-request', numericId, dispatcher, async (req, res) => {
    const body = parseBody(Request, req, res);
    if (!body) return;
    const place = o.incident(num(req));
    if (place && incidentOutOfScope(ctx, req, res, { id: num(req), number: place.number }, o.incidentStation(place))) return;
    try {
      if (!place) throw new DroneRequestError('not_found', said('goto_incident_unknown', { id: num(req) }));
      if (place.over) throw new DroneRequestError('conflict', said('drone_request_incident_over', { id: place.number }));
      const r = await requests.create(num(req), { lat: place.lat, lon: place.lon }, req.user!.name, body.note);
      audit(req, 'goto.request', `alert:${num(req)}`, 'ok', { requestId: r.id });
      res.status(201).json(r);
    } catch (err) {
      refuse(req, res, 'goto.request', `alert:${num(req)}`, err);
    }
  });
  router.post('/drone-requests/:id/cancel', numericId, dispatcher, ownRequest, async (req, res) => {
    try {
      const r = await requests.cancel(num(req));
      audit(req, 'goto.request_cancel', `alert:${r.alertId}`, 'ok', { requestId: r.id });
      res.json(r);
    } catch (err) {
      refuse(req, res, 'goto.request_cancel', `request:${num(req)}`, err);
    }
  });
  // One confirmed action: the pilot's drone goes to the incident.
  router.post('/drone-requests/:id/accept', numericId, pilot, ownRequest, async (req, res) => {
    const body = parseBody(Accept, req, res);
    if (!body) return;
    try {
      const { request, goto } = await requests.accept(num(req), req.user!.name, body.vehicleId, (r) =>
        send(req, {
          vehicleId: body.vehicleId,
          target: r.target,
          altM: body.altM,
          holdMin: body.holdMin,
          alertId: r.alertId,
          pilot: req.user!.name,
        }));
      audit(req, 'goto.request_accept', `alert:${request.alertId}`, 'ok', { requestId: request.id, vehicleId: body.vehicleId, gotoId: goto.id });
      res.status(201).json({ request, goto });
    } catch (err) {
      refuse(req, res, 'goto.request_accept', `request:${num(req)}`, err);
    }
  });
  return router;
}

const forOfficer = (g: GotoView & { alertId: number }): JobDroneView => ({
  alertId: g.alertId,
  gotoId: g.id,
  state: g.state,
  overhead: g.overhead,
  distanceM: g.distanceM,
  heldS: g.heldS,
});

/**
 * Gotos and drone requests live, for pilots and the command room (the fleet's watchers); the
 * officer holding an incident's job is told of the drone over it (officerOf: who holds it now).
 */
export function attachGotos(
  io: LiveServer,
  gotos: Gotos,
  requests: DroneRequests,
  officerOf: (alertId: number) => string | null = () => null,
  stationOf: StationOf = () => null,
  log: Logger = stderrLog,
  /** where each request's incident is (scope.ts); not given: no station's, so the city's people's only */
  incidentStation: IncidentStation = () => null,
): void {
  // What is read from the store is sent in the order asked, so an older list never follows a newer one.
  const sends = new InOrder(log, () => 'gotos and drone requests not sent to the pages');
  io.on('connection', (socket) => {
    const user = socket.data.user;
    if (user.roles.includes('officer')) {
      for (const g of gotos.activeViews()) {
        if (g.alertId !== null && officerOf(g.alertId) === user.name) socket.emit('job:drone', forOfficer({ ...g, alertId: g.alertId }));
      }
    }
    if (!isWatcher(user)) return;
    sends.queue(0, async () => {
      socket.emit('gotos', (await gotos.shownViews()).filter((g) => droneInScope(user, stationOf, g.vehicleId)));
      socket.emit('drone-requests', requestsIn(scopeOf(user), await requests.list(), stationOf, incidentStation));
    });
  });
  gotos.on('goto', (g) => {
    io.to(roomsOf(stationOf(g.vehicleId))).emit('gotos', [g]);
    const officer = g.alertId === null ? null : officerOf(g.alertId);
    if (officer) io.to(officerRoom(officer)).emit('job:drone', forOfficer({ ...g, alertId: g.alertId! }));
  });
  // Whole lists: the city's pages get every request; a station's pages a new list of theirs when one of theirs changed.
  requests.on('request', (changed) =>
    sends.queue(0, async () => {
      const list = await requests.list();
      io.to(scopeRoom(CITY_SCOPE)).emit('drone-requests', list);
      const station = incidentStation(changed.target);
      if (station !== null) io.to(scopeRoom(station)).emit('drone-requests', requestsIn(station, list, stationOf, incidentStation));
    }));
}
