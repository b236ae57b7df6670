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
import { DECLINE_REASONS, GROUND_CATEGORIES, INCIDENT_OUTCOMES, OFFICER_ANSWERS } from '../wire/types.ts';
import { ipOf, requireRole, type AuthContext } from './auth.ts';
import { describeIssues, parseBody } from './validate.ts';
import { refusalBody, saidBody, statusOf } from './errors.ts';
import { droneInScope, outOfScope, type StationOf } from './scope.ts';

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
    res.json(await ground.history({ ...q.data, bbox }));
  });
  // The history's incident log, and the same as a spreadsheet (an export of police records: audited).
  router.get('/alerts/log', watch, async (req, res) => {
    const q = IncidentFilter.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: `invalid query: ${describeIssues(q.error)}` });
      return;
    }
    res.json(await ground.log(q.data));
  });
  // The heat map of the log's selection: positions only (the log's answer carries every event).
  router.get('/alerts/heat', watch, async (req, res) => {
    const q = IncidentFilter.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: `invalid query: ${describeIssues(q.error)}` });
      return;
    }
    res.json(await ground.heat(q.data));
  });
  router.get('/alerts/ground.csv', watch, async (req, res) => {
    const q = CsvQuery.safeParse(req.query);
    if (!q.success) {
      audit(req, 'alert.export', null, 'refused', { reason: describeIssues(q.error), query: req.query });
      res.status(400).json({ error: `invalid query: ${describeIssues(q.error)}` });
      return;
    }
    const { lang, tz, ...filter } = q.data;
    const entries = await ground.log({ ...filter, limit: filter.limit ?? 10_000 });
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
    res.json({ aircraft: aircraft.open().filter((a) => droneInScope(req.user!, o.stationOf, a.vehicleId)), ground: ground.openViews() });
  });
  router.get('/officers', watch, (_req, res) => {
    res.json(officers.list());
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
    const alert = await ground.create(
      { category: body.category, priority: body.priority, note: body.note, lat: la!, lon: lo!, vehicleId: body.vehicleId ?? null },
      req.user!.name,
    );
    audit(req, 'alert.create', alert.id, 'ok', { number: alert.number, category: alert.category, lat: alert.lat, lon: alert.lon });
    res.status(201).json(alert);
  });

  router.get(
    '/alerts/:id',
    watch,
    step('alert.read', async (req) => {
      const a = await ground.view(idOf(req));
      if (!a) throw new DispatchError('not_found', said('incident_unknown', { id: String(req.params.id) }));
      return a;
    }),
  );
  router.post('/alerts/:id/answer', officer, async (req, res) => {
    const body = parseBody(Answer, req, res);
    if (body) {
      await step(
        'alert.answer',
        (r) => ground.answer(idOf(r), r.user!.name, body.answer, { at: body.at, reason: body.reason, outcome: body.outcome, note: body.note }),
      )(req, res);
    }
  });
  router.post('/alerts/:id/reassign', manage, async (req, res) => {
    const body = parseBody(Reassign, req, res);
    if (!body) return;
    // The account is read first; what is wrong with it is refused (and audited) by the step.
    const officer = await officerNamed(body.officer).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    await step('alert.reassign', (r) => {
      if (officer instanceof Error) throw officer;
      return ground.reassign(idOf(r), officer, r.user!.name);
    })(req, res);
  });
  router.post('/alerts/:id/next-wave', manage, step('alert.next_wave', (req) => ground.nextWave(idOf(req), req.user!.name)));
  // Who the dispatcher may give it to, nearest first (a read, like the officers list: not audited).
  router.get('/alerts/:id/candidates', manage, async (req, res) => {
    const id = Number(req.params.id);
    const incident = Number.isInteger(id) && id > 0 ? await ground.view(id) : undefined;
    if (!incident) {
      res.status(404).json(saidBody(said('incident_unknown', { id: String(req.params.id) })));
      return;
    }
    const officerAccounts = (await ctx.users.list()).filter((u) => u.roles.includes('officer') && !u.disabled);
    const accounts = officerAccounts.map((u) => ({ name: u.name, displayName: u.displayName }));
    res.json(dispatchCandidates(incident, accounts, officers, ground.settings));
  });
  router.post('/alerts/:id/close', manage, async (req, res) => {
    const body = parseBody(Close, req, res);
    if (body) await step('alert.close', (r) => ground.close(idOf(r), r.user!.name, body))(req, res);
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
    const mine = ground.viewsFor(req.user!.name);
    for (const a of mine) await ground.delivered(a.id, req.user!.name);
    // as they are now: a job may have been taken from them while the deliveries were written
    res.json(ground.viewsFor(req.user!.name));
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
