/**
 * Each patrol in progress drawn on the map: the legs flown (muted), the leg being flown (bright),
 * the legs ahead (dashed) and the waypoints. Redrawn only when a drone moves on to its next item.
 */

import * as L from 'leaflet';
import type { RunView, VehicleView } from '../../../server/wire/types.ts';
import type { Ops } from '../ops.ts';
import type { LatLon } from '../../../server/wire/types.ts';
import type { Projection } from '../projection.ts';
import { requestJson } from '../live.ts';
import type { RouteShape } from './catalog.ts';
import { splitLegs, stopsOf } from './legs.ts';

/** How long after a failed load of a run's route it is asked for again. */
const RETRY_MS = 10_000;

interface Drawn {
  key: string;
  layer: L.LayerGroup;
}

export class RunRoutes {
  private readonly drawn = new Map<number, Drawn>();
  /** per run: the route as uploaded for it (the file may have changed since) */
  private readonly flown = new Map<number, RouteShape | 'loading' | 'failed'>();

  constructor(
    private readonly map: L.Map,
    private readonly renderer: L.Renderer,
    private readonly projection: Projection,
    private readonly ops: Ops,
    private readonly vehicle: (id: string) => VehicleView | undefined,
  ) {}

  render(): void {
    const active = new Map(this.ops.activeRuns().map((run) => [run.id, run]));
    for (const [id, drawn] of this.drawn) {
      if (!active.has(id)) {
        drawn.layer.remove();
        this.drawn.delete(id);
      }
    }
    for (const id of this.flown.keys()) if (!active.has(id)) this.flown.delete(id);
    for (const run of active.values()) this.draw(run);
  }

  /** Where the run's route lies on the map, once drawn (null: not drawn, or no such run). */
  boundsOf(runId: number): L.LatLngBounds | null {
    const layers = this.drawn.get(runId)?.layer.getLayers() ?? [];
    const points = layers.flatMap((
      layer,
    ) => (layer instanceof L.Polyline ? (layer.getLatLngs() as L.LatLng[]) : layer instanceof L.CircleMarker ? [layer.getLatLng()] : []));
    return points.length ? L.latLngBounds(points) : null;
  }

  private draw(run: RunView): void {
    const detail = this.routeOf(run.id);
    if (!detail) return;
    const seq = ['flying', 'paused', 'returning'].includes(run.state) ? (run.leg?.seq ?? null) : null;
    const home = this.vehicle(run.vehicleId)?.home ?? null;
    const key = `${seq}|${run.state}|${home?.lat},${home?.lon}`;
    const before = this.drawn.get(run.id);
    if (before?.key === key) return;
    before?.layer.remove();
    // ArduPilot counts home as item 0; the run's total says how this autopilot counts.
    const offset = run.leg && detail.route ? run.leg.total - detail.route.items.length : 1;
    const stops = stopsOf(detail, offset, home);
    const legs = splitLegs(stops, seq);
    const line = (points: LatLon[], part: string, dash?: string) =>
      L.polyline(points.map((p) => this.projection.toMap(p.lat, p.lon)), {
        renderer: this.renderer,
        className: `run-route run-route--${part}`,
        interactive: false,
        dashArray: dash,
      });
    const layer = L.layerGroup([line(legs.flown, 'flown'), line(legs.ahead, 'ahead', '8 8'), line(legs.current, 'current')]);
    for (const stop of stops.slice(1)) {
      const done = seq !== null && stop.seq < seq;
      layer.addLayer(L.circleMarker(this.projection.toMap(stop.lat, stop.lon), {
        renderer: this.renderer,
        radius: 5,
        className: `run-route__stop${done ? ' run-route__stop--done' : ''}`,
        interactive: false,
      }));
    }
    layer.addTo(this.map);
    this.drawn.set(run.id, { key, layer });
  }

  /** The run's route once loaded; until then nothing is drawn, and a redraw follows the load. */
  private routeOf(runId: number): RouteShape | null {
    const known = this.flown.get(runId);
    if (known === 'loading' || known === 'failed') return null;
    if (known) return known;
    this.flown.set(runId, 'loading');
    requestJson<RouteShape>('GET', `/api/runs/${runId}/route`).then(
      (shape) => {
        this.flown.set(runId, shape);
        this.render();
      },
      // Not drawn for now; asked again a little later (not at every frame).
      () => {
        this.flown.set(runId, 'failed');
        setTimeout(() => {
          this.flown.delete(runId);
          this.render();
        }, RETRY_MS);
      },
    );
    return null;
  }
}
