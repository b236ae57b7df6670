import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { getDistance } from 'geolib';
import { z } from 'zod';
import type { AircraftMonitor } from '../alerts/aircraft-monitor.ts';
import { DispatchError, type GroundDispatch } from '../alerts/ground.ts';
import type { Officers } from '../alerts/officers.ts';
import { dispatchCandidates } from '../alerts/candidates.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import { incidentCsv, CSV_LANGUAGES } from '../alerts/incident-csv.ts';
import { said, term, type ServerMessage } from '../wire/messages.ts';
import { CITY_SCOPE, DECLINE_REASONS, GROUND_CATEGORIES, type GroundAlertView, INCIDENT_OUTCOMES, OFFICER_ANSWERS } from '../wire/types.ts';
import { ipOf, requireRole, type AuthContext } from './auth.ts';
import { describeIssues, parseBody } from './validate.ts';
import { refusalBody, saidBody, statusOf } from './errors.ts';
import {
  droneInScope,
  type IncidentStation,
  incidentOutOfScope,
  inScope,
  newestKept,
  outOfScope,
  refuseOtherStation,
  scopeOf,
  type StationOf,
} from './scope.ts';

export interface AlertsApiOptions {
  ctx: AuthContext;
  fleet: Fleet;
  aircraft: AircraftMonitor;
  ground: GroundDispatch;
  officers: Officers;
  /** where the station is; alerts farther than `radiusKm` are refused as implausible */
  /** where ground alerts may be raised: within one of these (this station's area; in a city every station's) */
  areas: () => { lat: number; lon: number; radiusKm: number }[];
  /** a drone's position, wherever in the city it is linked ("here": an alert at the drone) */
  dronePosition: (vehicleId: string) => { lat: number; lon: number } | null | undefined;
  /** which station each drone belongs to: a station's people see and acknowledge only its drones' alerts (scope.ts) */
  stationOf: StationOf;
  /** the station whose area holds an incident: a station's people see and act on only theirs (scope.ts) */
  incidentStation: IncidentStation;
}

const lat = z.number().min(-90).max(90);
const lon = z.number().min(-180).max(180);
const NewAlert = z.object({
  category: z.enum(GROUND_CATEGORIES),
  priority: z.number().int().min(1).max(3).default(2),
  note: z.string().max(500).default(''),
  lat: lat.optional(),
  lon: lon.optional(),
  vehicleId: z.string().max(64).optional(),
  /** "here": at the drone's current position */
  here: z.boolean().optional(),
}).refine((a) => a.here ? a.vehicleId !== undefined : a.lat !== undefined && a.lon !== undefined, {
  message: 'give lat and lon, or vehicleId with here: true',
  path: ['lat'],
});
const Answer = z.object({
  answer: z.enum(OFFICER_ANSWERS),
  /** when the officer made it, by the phone's clock (ms since 1970): a phone that was offline sends its answers later */
  at: z.number().int().positive().optional(),
  reason: z.enum(DECLINE_REASONS).optional(),
  /** with "resolved": how it ended (INCIDENT_OUTCOMES; the dispatcher's close asks for it if absent) and a note */
  outcome: z.string().max(40).optional(),
  note: z.string().max(500).optional(),
}).refine((a) => a.reason === undefined || a.answer === 'decline', { message: 'only a decline takes a reason', path: ['reason'] });
const Reassign = z.object({ officer: z.string().min(1).max(64) });
/** one request for many: the command room clears a drone's (or every drone's) cleared alerts at once */
const BulkAck = z.object({ ids: z.array(z.number().int().positive()).min(1).max(500) });
/** outcome: required unless the officer gave one when resolving (checked by the dispatch, which names an unknown one) */
const Close = z.object({ outcome: z.string().max(40).optional(), note: z.string().max(500).optional() });
const IncidentFilter = z.object({
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
  category: z.enum(GROUND_CATEGORIES).optional(),
  outcome: z.enum([...INCIDENT_OUTCOMES, 'none']).optional(),
  officer: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});
/** lang: the file's headers and names; tz: the time zone its times are written in (the page sends its own; default the station's) */
const CsvQuery = IncidentFilter.extend({ lang: z.enum(CSV_LANGUAGES).default('en'), tz: z.string().max(64).optional() });
const Location = z.object({ lat, lon, accuracyM: z.number().min(0).max(100_000).optional() });
const Duty = z.object({ onDuty: z.boolean() });
const History = z.object({
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
  bbox: z.string().regex(/^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$/, 'west,south,east,north in degrees').optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

/** The store's rows in one answer when none are asked for, and at most (store/alerts.ts): a station's lists are as long. */
const DEFAULT_ROWS = 1000;
const MAX_ROWS = 10_000;

/** An account's roles as a refusal names them (none: "none"). */
const rolesSaid = (roles: string[]) => (roles.length ? roles.map((r) => term(`role_${r}`, r)) : term('rolesNone', 'none'));

const idOf = (req: express.Request) => {
  const id = Number(req.params.id);
  if (!Number.isInteger(id) || id <= 0) throw new DispatchError('invalid', said('incident_id_invalid', { id: String(req.params.id) }));
  return id;
};

/** Aircraft alert acknowledgement, ground alerts and officer dispatch. */
export function createAlertsRouter(o: AlertsApiOptions): express.Router {
  const { ctx, ground, aircraft, officers } = o;
  const router = express.Router();
  const watch = requireRole(ctx, 'pilot', 'command', 'admin');
  const raise = requireRole(ctx, 'pilot', 'command');
  const manage = requireRole(ctx, 'command');
  const officer = requireRole(ctx, 'officer');
  /** An incident as it goes out: with the station whose area holds it. */
  const stationed = (a: GroundAlertView): GroundAlertView => ({ ...a, station: o.incidentStation(a) });
  /** Is this place's incident the user's to see? Their station's area, or anywhere for the city's people. */
  const mine = (req: express.Request, p: { lat: number; lon: number }) => inScope(req.user!, o.incidentStation(p));
  /** A list read from the store: as it is for the city's people; a station's get the newest of their own, as many. */
  const scoped = <T extends { lat: number; lon: number }>(req: express.Request, read: (limit: number | undefined) => Promise<T[]>, limit?: number) =>
    scopeOf(req.user!) === CITY_SCOPE ? read(limit) : newestKept(read, (x) => mine(req, x), limit ?? DEFAULT_ROWS, MAX_ROWS);
  /** An incident of another station (or of none, the city's): 403 before it is read out or acted on; an unknown one goes on to its 404. */
  const ownIncident: express.RequestHandler = async (req, res, next) => {
    const id = Number(req.params.id);
    const a = Number.isInteger(id) && id > 0 ? ground.known(id) ?? await ground.view(id) : undefined;
    if (!a || !incidentOutOfScope(ctx, req, res, a, o.incidentStation(a))) next();
  };
  /** A job goes only to an account that can answer it: an enabled officer. */
  const officerNamed = async (name: string): Promise<string> => {
    const u = await ctx.users.byName(name);
    if (!u) throw new DispatchError('not_found', said('officer_unknown', { name }));
    if (!u.roles.includes('officer')) throw new DispatchError('invalid', said('officer_not_officer', { name, roles: rolesSaid(u.roles) }));
    if (u.disabled) throw new DispatchError('invalid', said('officer_disabled', { name }));
    return name;
  };
  const audit = (req: express.Request, action: string, target: string | number | null, result: string, detail?: unknown) =>
    ctx.audit.record({ user: req.user?.name ?? null, action, target: target === null ? null : String(target), result, detail, ip: ipOf(req) });

  /** Run a dispatch step; refusals become clear 4xx answers, audited, with no state change. */
  const step = (action: string, fn: (req: express.Request) => unknown) => async (req: express.Request, res: express.Response): Promise<void> => {
    try {
      const out = await fn(req);
      if (out === undefined) return; // the handler answered (a 400 from validation)
      // The audit names an incident by its number too, as people do.
      const number = typeof out === 'object' && out !== null && 'number' in out ? out.number : undefined;
      audit(
        req,
        action,
        (req.params.id as string | undefined) ?? null,
        'ok',
        number === undefined ? req.body : { ...(req.body as object | undefined), number },
      );
      res.json(out);
    } catch (err) {
      if (!(err instanceof DispatchError)) throw err;
      const number = await ground.numberOf(Number(req.params.id));
      audit(req, action, (req.params.id as string | undefined) ?? null, 'refused', {
        reason: err.message,
        body: req.body,
        ...(number !== undefined && { number }),
      });
      res.status(statusOf(err)).json({ ...refusalBody(err), ...(err.code !== undefined && { code: err.code, params: err.params ?? {} }) });
    }
  };

  router.get('/alerts', watch, async (req, res) => {
    const q = History.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: `invalid query: ${describeIssues(q.error)}` });
      return;
    }
    const bbox = q.data.bbox?.split(',').map(Number) as [number, number, number, number] | undefined;
    res.json((await scoped(req, (limit) => ground.history({ ...q.data, bbox, limit }), q.data.limit)).map(stationed));
  });
  // The history's incident log, and the same as a spreadsheet (an export of police records: audited).
  router.get('/alerts/log', watch, async (req, res) => {
    const q = IncidentFilter.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: `invalid query: ${describeIssues(q.error)}` });
      return;
    }
    res.json(await scoped(req, (limit) => ground.log({ ...q.data, limit }), q.data.limit));
  });
  // The heat map of the log's selection: positions only (the log's answer carries every event).
  router.get('/alerts/heat', watch, async (req, res) => {
    const q = IncidentFilter.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: `invalid query: ${describeIssues(q.error)}` });
      return;
    }
    res.json(await scoped(req, (limit) => ground.heat({ ...q.data, limit }), q.data.limit));
  });
  router.get('/alerts/ground.csv', watch, async (req, res) => {
    const q = CsvQuery.safeParse(req.query);
    if (!q.success) {
      audit(req, 'alert.export', null, 'refused', { reason: describeIssues(q.error), query: req.query });
      res.status(400).json({ error: `invalid query: ${describeIssues(q.error)}` });
      return;
    }
    const { lang, tz, ...filter } = q.data;
    // a station's report is of its own incidents
    const entries = await scoped(req, (limit) => ground.log({ ...filter, limit }), filter.limit ?? MAX_ROWS);
    let csv: string;
    try {
      csv = incidentCsv(entries, lang, tz);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      audit(req, 'alert.export', null, 'refused', { reason: err.message, query: req.query });
      res.status(400).json({ error: `invalid query: ${err.message}` });
      return;
    }
    audit(req, 'alert.export', null, 'ok', { ...filter, lang, tz, rows: entries.length });
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="incidents-${new Date().toISOString().slice(0, 10)}.csv"`);
    res.send(csv);
  });
  router.get('/alerts/open', watch, (req, res) => {
    res.json({
      aircraft: aircraft.open().filter((a) => droneInScope(req.user!, o.stationOf, a.vehicleId)),
      ground: ground.openViews().filter((a) => mine(req, a)).map(stationed),
    });
  });
  // A station's command room sees its own officers; the city's every station's (and its own).
  router.get('/officers', watch, (req, res) => {
    res.json(officers.list().filter((x) => inScope(req.user!, x.station ?? null)));
  });

  // Per user: a script gone wrong (or a stuck button) cannot bury the officers and the command room in alerts.
  const perMinute = ground.settings.createPerMinute;
  const createLimit = rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipFailedRequests: true,
    keyGenerator: (req) => req.user!.name,
    handler: (req, res) => {
      const body = saidBody(said('alert_too_many', { user: req.user!.name, limit: perMinute }));
      audit(req, 'alert.create', null, 'refused', { reason: body.error });
      res.status(429).json(body);
    },
  });

  router.post('/alerts', raise, createLimit, async (req, res) => {
    const body = parseBody(NewAlert, req, res);
    if (!body) return;
    let { lat: la, lon: lo } = body;
    if (body.here) {
      const v = o.dronePosition(body.vehicleId!);
      const refuse = (why: ServerMessage) => {
        const answer = saidBody(why);
        audit(req, 'alert.create', null, 'refused', { reason: answer.error, body: req.body });
        res.status(422).json(answer);
      };
      if (v === undefined) return refuse(said('alert_here_unknown', { vehicle: String(body.vehicleId) }));
      if (v === null) return refuse(said('alert_here_no_position', { vehicle: String(body.vehicleId) }));
      la = v.lat;
      lo = v.lon;
    }
    // Outside every area: said against the nearest one's edge.
    const nearest = o.areas().map((a) => ({ a, km: getDistance({ latitude: la!, longitude: lo! }, { latitude: a.lat, longitude: a.lon }) / 1000 }))
      .sort((x, y) => x.km - x.a.radiusKm - (y.km - y.a.radiusKm))[0];
    if (nearest && nearest.km > nearest.a.radiusKm) {
      const { km, a } = nearest;
      const answer = saidBody(
        said(la === 0 && lo === 0 ? 'alert_outside_area_zero' : 'alert_outside_area', { lat: la!, lon: lo!, km: km.toFixed(0), limit: a.radiusKm }),
      );
      audit(req, 'alert.create', null, 'refused', { reason: answer.error, body: req.body });
      res.status(422).json(answer);
      return;
    }
    // A station's people raise incidents in their own area; the city's anywhere in the city's areas (above).
    const station = o.incidentStation({ lat: la!, lon: lo! });
    if (!inScope(req.user!, station)) {
      const u = req.user!;
      ctx.audit.refused({
        user: u.name,
        action: 'access.denied',
        target: `place:${la},${lo}`,
        result: '403',
        detail: { station, scope: scopeOf(u) },
        ip: ipOf(req),
      });
      res.status(403).json(saidBody(said('scope_place_outside', { place: `${la}, ${lo}`, user: u.name, scope: scopeOf(u) })));
      return;
    }
    const alert = await ground.create(
      { category: body.category, priority: body.priority, note: body.note, lat: la!, lon: lo!, vehicleId: body.vehicleId ?? null },
      req.user!.name,
    );
    audit(req, 'alert.create', alert.id, 'ok', { number: alert.number, category: alert.category, lat: alert.lat, lon: alert.lon });
    res.status(201).json(stationed(alert));
  });

  router.get(
    '/alerts/:id',
    watch,
    ownIncident,
    step('alert.read', async (req) => {
      const a = await ground.view(idOf(req));
      if (!a) throw new DispatchError('not_found', said('incident_unknown', { id: String(req.params.id) }));
      return stationed(a);
    }),
  );
  router.post('/alerts/:id/answer', officer, async (req, res) => {
    const body = parseBody(Answer, req, res);
    if (body) {
      await step(
        'alert.answer',
        (r) => ground.answer(idOf(r), r.user!.name, body.answer, { at: body.at, reason: body.reason, outcome: body.outcome, note: body.note }).then(stationed),
      )(req, res);
    }
  });
  router.post('/alerts/:id/reassign', manage, ownIncident, async (req, res) => {
    const body = parseBody(Reassign, req, res);
    if (!body) return;
    // The account is read first; what is wrong with it is refused (and audited) by the step.
    const officer = await officerNamed(body.officer).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    // A station's command room gives its jobs to its own officers (those it is shown); the city's to any station's.
    const theirs = officer instanceof Error ? null : officers.stationOf(officer);
    if (!(officer instanceof Error) && !inScope(req.user!, theirs)) {
      refuseOtherStation(ctx, req, res, req.user!, officer, theirs, `officer:${officer}`);
      return;
    }
    await step('alert.reassign', (r) => {
      if (officer instanceof Error) throw officer;
      return ground.reassign(idOf(r), officer, r.user!.name).then(stationed);
    })(req, res);
  });
  router.post('/alerts/:id/next-wave', manage, ownIncident, step('alert.next_wave', (req) => ground.nextWave(idOf(req), req.user!.name).then(stationed)));
  // Who the dispatcher may give it to, nearest first (a read, like the officers list: not audited).
  // The city's command room sees every station's officers, each with their station; a station's its
  // own. The waves dispatch sends by itself (the desk's, alerts/ground.ts) stay city-wide, nearest
  // first whatever their station: the centre dispatches across stations (两级联处).
  router.get('/alerts/:id/candidates', manage, ownIncident, async (req, res) => {
    const id = Number(req.params.id);
    const incident = Number.isInteger(id) && id > 0 ? await ground.view(id) : undefined;
    if (!incident) {
      res.status(404).json(saidBody(said('incident_unknown', { id: String(req.params.id) })));
      return;
    }
    const officerAccounts = (await ctx.users.list()).filter((u) => u.roles.includes('officer') && !u.disabled);
    const accounts = officerAccounts.map((u) => ({ name: u.name, displayName: u.displayName }));
    res.json(dispatchCandidates(incident, accounts, officers, ground.settings).filter((c) => inScope(req.user!, c.station ?? null)));
  });
  router.post('/alerts/:id/close', manage, ownIncident, async (req, res) => {
    const body = parseBody(Close, req, res);
    if (body) await step('alert.close', (r) => ground.close(idOf(r), r.user!.name, body).then(stationed))(req, res);
  });
  // Before /:id/ack. All or nothing: an id that is not an aircraft alert refuses the request, naming it, and acknowledges none.
  router.post('/aircraft-alerts/ack', raise, async (req, res) => {
    const body = parseBody(BulkAck, req, res);
    if (!body) return;
    await step('alert.ack_bulk', async () => {
      const ids = [...new Set(body.ids)];
      const found = await Promise.all(ids.map((id) => aircraft.get(id)));
      const unknown = ids.filter((_, i) => !found[i]);
      if (unknown.length) throw new DispatchError('not_found', said('aircraft_alerts_unknown', { ids: unknown.join(', ') }));
      // One of another station's drones refuses the request too (403, as its own would be): none is acknowledged.
      const other = found.find((a) => !droneInScope(req.user!, o.stationOf, a!.vehicleId));
      if (other && outOfScope(ctx, o.stationOf, req, res, other.vehicleId, `aircraft-alert:${other.id}`)) return undefined;
      // Those acknowledged already (by someone else meanwhile) keep their first acknowledgement.
      const acknowledged: number[] = [];
      for (const [i, id] of ids.entries()) {
        if (found[i]!.acknowledgedBy === null && await aircraft.acknowledge(id, req.user!.name)) acknowledged.push(id);
      }
      return { acknowledged, already: ids.filter((id) => !acknowledged.includes(id)) };
    })(req, res);
  });
  router.post(
    '/aircraft-alerts/:id/ack',
    raise,
    // an alert of another station's drone: 403 before anything is acknowledged
    async (req, res, next) => {
      const id = Number(req.params.id);
      const a = Number.isInteger(id) && id > 0 ? await aircraft.get(id) : undefined;
      if (!a || !outOfScope(ctx, o.stationOf, req, res, a.vehicleId, `aircraft-alert:${id}`)) next();
    },
    step('alert.ack', async (req) => {
      const id = idOf(req);
      const a = await aircraft.acknowledge(id, req.user!.name);
      if (!a) throw new DispatchError('not_found', said((await ground.view(id)) ? 'aircraft_alert_is_ground' : 'aircraft_alert_unknown', { id }));
      return a;
    }),
  );

  // The officer's phone, for clients without a socket (the socket events do the same).
  router.get('/officer/alerts', officer, async (req, res) => {
    // an officer's own jobs, whatever their scope
    const jobs = ground.viewsFor(req.user!.name);
    for (const a of jobs) await ground.delivered(a.id, req.user!.name);
    // as they are now: a job may have been taken from them while the deliveries were written
    res.json(ground.viewsFor(req.user!.name).map(stationed));
  });
  router.post('/officer/duty', officer, (req, res) => {
    const body = parseBody(Duty, req, res);
    if (!body) return;
    officers.setDuty(req.user!.name, req.user!.displayName, body.onDuty);
    audit(req, 'officer.duty', req.user!.name, 'ok', body);
    res.json({ ok: true });
  });
  router.post('/officer/location', officer, (req, res) => {
    const body = parseBody(Location, req, res);
    if (!body) return;
    officers.setLocation(req.user!.name, body.lat, body.lon, body.accuracyM ?? null);
    res.json({ ok: true });
  });
  return router;
}
