/**
 * Drones sent to a scene, for the history tab (issue 16, record and replay): the gotos of a
 * period, and a goto's track (the drone's recorded points over the goto's time, read as a run's
 * are: tracks are kept per drone and time). Its video is in recordings-api.ts, beside a run's.
 * The same roles as the runs' history: pilots, the command room and admins; an officer is refused.
 */
import express from 'express';
import { z } from 'zod';
import type { GotoRecordStore, GotoRow } from '../store/gotos.ts';
import type { TrackStore } from '../store/tracks.ts';
import { said } from '../wire/messages.ts';
import type { GotoHistoryView } from '../wire/types.ts';
import { requireRole, type AuthContext } from './auth.ts';
import { saidBody } from './errors.ts';
import { droneInScope, outOfScope, type StationOf } from './scope.ts';
import { describeIssues } from './validate.ts';

export interface GotoHistoryApiOptions {
  ctx: AuthContext;
  /** read through the store's existing queries: no SQL of its own */
  records: Pick<GotoRecordStore, 'active' | 'endedSince' | 'get'>;
  tracks: Pick<TrackStore, 'track'>;
  /** an incident's number, or null when there is no such incident */
  incidentNumber: (alertId: number) => string | null;
  /** which station each drone belongs to: a station's people see only its drones' gotos (scope.ts) */
  stationOf: StationOf;
}

const HistoryQuery = z.object({
  from: z.coerce.number().int(),
  to: z.coerce.number().int(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export function createGotoHistoryRouter(o: GotoHistoryApiOptions): express.Router {
  const router = express.Router();
  const watch = requireRole(o.ctx, 'pilot', 'command', 'admin');
  const view = (g: GotoRow): GotoHistoryView => ({
    id: g.id,
    vehicleId: g.vehicleId,
    pilot: g.pilot,
    alertId: g.alertId,
    incidentNumber: g.alertId === null ? null : o.incidentNumber(g.alertId),
    target: g.target,
    state: g.state,
    startedAt: g.startedAt,
    arrivedAt: g.arrivedAt,
    endedAt: g.endedAt,
  });

  // Those that ended in the period or are still under way, started before its end; newest first.
  router.get('/gotos/history', watch, async (req, res) => {
    const q = HistoryQuery.safeParse(req.query);
    if (!q.success) {
      res.status(400).json({ error: `invalid query: ${describeIssues(q.error)}` });
      return;
    }
    const { from, to, limit } = q.data;
    const [active, ended] = await Promise.all([o.records.active(), o.records.endedSince(from, limit)]);
    // One that ended between the two reads is in both: its ended row counts.
    const rows = [...new Map([...active, ...ended].map((g) => [g.id, g])).values()]
      .filter((g) => g.startedAt <= to && droneInScope(req.user!, o.stationOf, g.vehicleId))
      .sort((a, b) => b.startedAt - a.startedAt)
      .slice(0, limit);
    res.json(rows.map(view));
  });

  router.get('/gotos/:id/track', watch, async (req, res) => {
    const id = Number(req.params.id);
    const g = Number.isSafeInteger(id) && id > 0 ? await o.records.get(id) : undefined;
    if (!g) {
      res.status(404).json(saidBody(said('goto_record_unknown', { id: String(req.params.id) })));
      return;
    }
    if (outOfScope(o.ctx, o.stationOf, req, res, g.vehicleId, `goto:${g.id}`)) return;
    res.json(await o.tracks.track(g.vehicleId, g.startedAt, g.endedAt ?? Date.now()));
  });

  return router;
}
