import express from 'express';
import { getDistance } from 'geolib';
import type { GroundAlertView, OfficerView, StationSummary, VehicleView } from '../wire/types.ts';
import { type AuthContext, requireRole } from './auth.ts';
import type { NodeStation } from './remote-fleet.ts';

type Station = NodeStation & { node: string | null; silent: boolean };
import { inScope } from './scope.ts';

export interface StationsApiOptions {
  ctx: AuthContext;
  /** this node's station, and the city's other nodes' (with the node serving each, and whether it is silent) */
  stations(): Station[];
  /** every drone shown here: this node's and the other nodes' */
  vehicles(): VehicleView[];
  /** incidents on the desk (the city's one, mirrored on every node) */
  incidents(): GroundAlertView[];
  officers(): OfficerView[];
  /** an officer's station, from their account's scope; null: the city's or unknown */
  officerStation(name: string): string | null;
}

/** The station whose area holds a point: the nearest centre within its radius, or none. */
export function stationAt(stations: readonly NodeStation[], p: { lat: number; lon: number }): string | null {
  let best: { id: string; d: number } | null = null;
  for (const s of stations) {
    const d = getDistance({ latitude: s.lat, longitude: s.lon }, { latitude: p.lat, longitude: p.lon });
    if (d <= s.radiusKm * 1000 && (best === null || d < best.d)) best = { id: s.id, d };
  }
  return best?.id ?? null;
}

/**
 * GET /api/stations: each station with what it has under way (情指中心's view of the city): drones
 * heard and flying, patrols in the air, incidents open in its area, its officers on duty. The city's
 * people get every station, a station's its own.
 */
export function createStationsRouter(o: StationsApiOptions): express.Router {
  const router = express.Router();
  router.get('/stations', requireRole(o.ctx, 'pilot', 'command', 'admin'), (req, res) => {
    // A station served by two nodes (one standing by for its links) is one station, naming both.
    // Silent only when every node serving it is.
    const byId = new Map<string, Station>();
    for (const st of o.stations()) {
      const seen = byId.get(st.id);
      byId.set(
        st.id,
        seen ?
          {
            ...seen,
            node: [seen.node, st.node].filter(Boolean).join(', '),
            patrolsRunning: seen.patrolsRunning + st.patrolsRunning,
            silent: seen.silent && st.silent,
          } :
          st,
      );
    }
    const stations = [...byId.values()];
    const vehicles = o.vehicles();
    const incidents = o.incidents().filter((a) => a.state !== 'resolved' && a.state !== 'closed');
    const onDuty = o.officers().filter((x) => x.onDuty);
    const summaries: StationSummary[] = stations.map((s) => {
      const drones = vehicles.filter((v) => v.station === s.id);
      return {
        id: s.id,
        name: s.name,
        lat: s.lat,
        lon: s.lon,
        radiusKm: s.radiusKm,
        node: s.node,
        silent: s.silent,
        drones: drones.length,
        dronesUp: drones.filter((v) => v.armed && !v.link.lost).length,
        patrolsRunning: s.patrolsRunning,
        openIncidents: incidents.filter((a) => stationAt(stations, a) === s.id).length,
        officersOnDuty: onDuty.filter((x) => o.officerStation(x.name) === s.id).length,
      };
    });
    res.json(summaries.filter((s) => inScope(req.user!, s.id)));
  });
  return router;
}
