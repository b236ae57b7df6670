/**
 * The video's REST side: which drones' cameras this user may watch (GET /api/video), and stills
 * taken from the live picture, kept as evidence and attached to an incident (/api/snapshots).
 * The same rule as the video socket (video-live.ts): pilots, the command room and admins any
 * drone and any incident; an officer the drone over the incident they hold, and that incident.
 * In a city the list has the other nodes' cameras too, each node asked (video-across.ts).
 */
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { Refusal } from '../refusal.ts';
import type { SnapshotRow, SnapshotStore } from '../store/snapshots.ts';
import type { User } from '../store/users.ts';
import { VehicleId } from '../vehicles/vehicle-id.ts';
import { jpegSize } from '../video/jpeg.ts';
import type { VideoRelay } from '../video/relay.ts';
import type { SnapshotView } from '../wire/types.ts';
import { ipOf, requireRole, type AuthContext } from './auth.ts';
import { isWatcher } from './live.ts';
import { describeIssues } from './validate.ts';
import { saidBody } from './errors.ts';
import { said } from '../wire/messages.ts';
import type { StationOf } from './scope.ts';
import { mayWatch } from './video-live.ts';
import { camerasAcross, type VideoAcrossOptions } from './video-across.ts';

/** A still larger than this is not one picture from a drone's video. */
const MAX_STILL_BYTES = 8 * 1024 * 1024;
/**
 * How far from the service's clock a still's takenAt may be. The still is stored with where the
 * drone is now, so a still dated earlier would put today's position on an older moment (and an
 * incident's evidence out of order). The page takes and sends a still at once: 30 s back covers
 * grabbing, encoding and a slow upload before the body is even read; 5 s ahead a page clock a
 * little fast. Further off is refused, not corrected: evidence keeps the time it was given.
 */
export const STILL_TAKEN_WINDOW = { beforeMs: 30_000, afterMs: 5_000 };
/** Stills one user may file a minute: a quick burst at a scene fits, a script filling the disk does not. */
export const STILLS_PER_MINUTE = 20;

export interface VideoApiOptions {
  ctx: AuthContext;
  relay: VideoRelay;
  snapshots: SnapshotStore;
  /** may this officer watch this drone now: is it sent over the incident they hold? */
  officerMayWatch: (officer: string, vehicleId: string) => boolean;
  /** the incident, if there is one: who holds its job now (null: nobody) */
  incident: (alertId: number) => Promise<{ holder: string | null } | null>;
  /** the drone sent over this incident now, if any */
  droneOver: (alertId: number) => string | null;
  /** where the drone is now, from its telemetry; null without a position */
  where: (vehicleId: string) => { lat: number; lon: number; altM: number | null; headingDeg: number | null } | null;
  /** which station each drone belongs to: a station's people list and file stills of its drones only (scope.ts) */
  stationOf: StationOf;
  /** in a city: the cameras of drones linked at other nodes, as those nodes list them for this user */
  across?: VideoAcrossOptions;
}

const AlertId = z.coerce.number().int().positive();
const SnapshotQuery = z.object({
  vehicleId: VehicleId,
  // when the picture was on screen (the page's clock), close to now: STILL_TAKEN_WINDOW says why
  takenAt: z.coerce.number().int().positive(),
  alertId: AlertId.optional(),
});
const ListQuery = z.object({ alertId: AlertId });
const FeedQuery = z.object({ alertId: AlertId.optional() });
const Attach = z.object({ alertId: z.number().int().positive() });

export function snapshotView(r: SnapshotRow): SnapshotView {
  const { mime: _mime, ...rest } = r;
  return { ...rest, imageUrl: `/api/snapshots/${r.id}/image` };
}

export function createVideoRouter(o: VideoApiOptions): express.Router {
  const { ctx, relay, snapshots } = o;
  const router = express.Router();
  const anyone = requireRole(ctx);
  const audit = (req: express.Request, action: string, target: string, result: string, detail?: unknown) =>
    ctx.audit.record({ user: req.user?.name ?? null, action, target, result, detail, ip: ipOf(req) });

  /** Refuses an incident this user may not file evidence to or read it from. */
  const incidentFor = async (user: User, alertId: number) => {
    const incident = await o.incident(alertId);
    if (!incident) throw new Refusal('not_found', said('incident_unknown', { id: alertId }));
    if (!isWatcher(user) && incident.holder !== user.name) throw new Refusal('forbidden', said('still_incident_not_yours', { id: alertId }));
    return incident;
  };
  const snapshotFor = async (user: User, raw: string) => {
    const id = Number(raw);
    const s = Number.isInteger(id) && id > 0 ? await snapshots.get(id) : undefined;
    if (!s) throw new Refusal('not_found', said('still_unknown', { id: raw }));
    // An officer may see a still of their own incident, or one they took themselves.
    if (!isWatcher(user) && s.takenBy !== user.name) {
      if (s.alertId === null) throw new Refusal('forbidden', said('still_not_yours', { id }));
      await incidentFor(user, s.alertId);
    }
    return s;
  };
  const parseQuery = <T extends z.ZodType>(schema: T, req: express.Request): z.infer<T> => {
    const q = schema.safeParse(req.query);
    if (!q.success) throw new Refusal('invalid', `invalid query: ${describeIssues(q.error)}`);
    return q.data;
  };

  // ?alertId=: only the camera of the drone sent over that incident (what the officer's phone asks).
  // In a city, each other node with drones lists its own for this user by its own rules (an officer's
  // incident is known where its drone flies); one that does not answer in time is named in a header.
  router.get('/video', anyone, async (req, res) => {
    const { alertId } = parseQuery(FeedQuery, req);
    const over = alertId === undefined ? null : o.droneOver(alertId);
    const feeds = relay.list().filter((f) => mayWatch(req.user!, f.vehicleId, o.officerMayWatch, o.stationOf));
    const own = alertId === undefined ? feeds : feeds.filter((f) => f.vehicleId === over);
    const across = o.across ? await camerasAcross(o.across, req) : { feeds: [], unanswered: [] };
    if (across.unanswered.length) res.set('x-skybeat-cameras-unanswered', across.unanswered.join(','));
    res.json([...own, ...across.feeds.filter((f) => !relay.has(f.vehicleId))]);
  });

  // Who may file this still is decided from the query, before the body is read: a user refused
  // never has the service take in (and hold) up to 8 MB first.
  const mayFile: express.RequestHandler = async (req, res, next) => {
    const q = parseQuery(SnapshotQuery, req);
    res.locals.still = q;
    // Checked now, before the body: a slow upload does not push takenAt out of its window.
    const now = Date.now();
    if (q.takenAt > now + STILL_TAKEN_WINDOW.afterMs) throw new Refusal('invalid', said('still_taken_future', { now: new Date(now).toISOString() }));
    if (q.takenAt < now - STILL_TAKEN_WINDOW.beforeMs) {
      throw new Refusal('invalid', said('still_taken_late', { seconds: STILL_TAKEN_WINDOW.beforeMs / 1000, now: new Date(now).toISOString() }));
    }
    if (!mayWatch(req.user!, q.vehicleId, o.officerMayWatch, o.stationOf))
      throw new Refusal('forbidden', said('still_drone_not_yours', { vehicle: q.vehicleId }));
    if (q.alertId !== undefined) await incidentFor(req.user!, q.alertId);
    next();
  };

  // Per user, counted before the body is read; refused requests (400, 403) do not count.
  const stillLimit = rateLimit({
    windowMs: 60_000,
    limit: STILLS_PER_MINUTE,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipFailedRequests: true,
    keyGenerator: (req) => req.user!.name,
    handler: (req, res) => {
      const body = saidBody(said('still_too_many', { max: STILLS_PER_MINUTE, user: req.user!.name }));
      audit(req, 'video.snapshot', String(req.query.vehicleId ?? ''), 'refused', { reason: body.error });
      res.status(429).json(body);
    },
  });

  // The still itself is the body (image/jpeg): no base64, no JSON size limit in the way.
  router.post('/snapshots', anyone, stillLimit, mayFile, express.raw({ type: 'image/jpeg', limit: MAX_STILL_BYTES }), async (req, res) => {
    const q = res.locals.still as z.infer<typeof SnapshotQuery>;
    const user = req.user!;
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw new Refusal('invalid', said('still_not_jpeg'));
    }
    const size = jpegSize(req.body);
    if (typeof size === 'string') throw new Refusal('invalid', said('still_bad_jpeg', { problem: size }));
    const where = o.where(q.vehicleId);
    const row = await snapshots.add({
      vehicleId: q.vehicleId,
      takenAt: q.takenAt,
      takenBy: user.name,
      lat: where?.lat ?? null,
      lon: where?.lon ?? null,
      altM: where?.altM ?? null,
      headingDeg: where?.headingDeg ?? null,
      alertId: q.alertId ?? null,
      width: size.width,
      height: size.height,
      mime: 'image/jpeg',
      image: req.body,
    });
    audit(req, 'video.snapshot', q.vehicleId, 'ok', { snapshot: row.id, alertId: row.alertId, bytes: req.body.length });
    res.status(201).json(snapshotView(row));
  });

  router.get('/snapshots', anyone, async (req, res) => {
    const { alertId } = parseQuery(ListQuery, req);
    await incidentFor(req.user!, alertId);
    res.json((await snapshots.forAlert(alertId)).map(snapshotView));
  });

  router.get('/snapshots/:id/image', anyone, async (req, res) => {
    const s = await snapshotFor(req.user!, String(req.params.id));
    const image = (await snapshots.image(s.id))!;
    res.type(image.mime).setHeader('Cache-Control', 'private, max-age=3600');
    res.send(image.data);
  });

  router.post('/snapshots/:id/attach', anyone, async (req, res) => {
    const body = Attach.safeParse(req.body);
    if (!body.success) throw new Refusal('invalid', `invalid request body: ${describeIssues(body.error)}`);
    const s = await snapshotFor(req.user!, String(req.params.id));
    await incidentFor(req.user!, body.data.alertId);
    const row = (await snapshots.attach(s.id, body.data.alertId))!;
    audit(req, 'video.snapshot.attach', `incident ${body.data.alertId}`, 'ok', { snapshot: s.id, was: s.alertId });
    res.json(snapshotView(row));
  });

  return router;
}
