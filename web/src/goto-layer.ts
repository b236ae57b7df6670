/**
 * Drones sent to the scene on the map: a crosshair on each active goto's point (its label: the
 * drone and its state, "overhead" only as the service says it) and a dashed line from the drone to
 * it, which follows the drone as it flies. Drawn by hand like the other map layers.
 */

import { effect } from '@preact/signals-core';
import * as L from 'leaflet';
import type { GotoView, VehicleView } from '../../server/wire/types.ts';
import { setText } from './dom.ts';
import { gotoStateName } from './goto-status.tsx';
import type { GotoStore } from './gotos.ts';
import { followLanguage, t } from './i18n.ts';
import type { Projection } from './projection.ts';

interface Drawn {
  marker: L.Marker;
  root: HTMLElement;
  text: HTMLElement;
  line: L.Polyline;
}

/** The drone's line follows it between the service's once-a-second goto updates. */
const FOLLOW_MS = 250;

export class GotoLayer {
  private readonly drawn = new Map<number, Drawn>();

  constructor(
    private readonly map: L.Map,
    private readonly renderer: L.Renderer,
    private readonly projection: Projection,
    private readonly store: GotoStore,
    private readonly vehicle: (id: string) => VehicleView | undefined,
    private readonly callsign: (id: string) => string,
  ) {
    effect(() => {
      void store.gotos.value;
      this.render();
    });
    followLanguage(() => this.render());
    setInterval(() => {
      if (this.drawn.size) this.render();
    }, FOLLOW_MS);
  }

  private render(): void {
    const active = new Map(this.store.active().map((g) => [g.id, g]));
    for (const [id, d] of this.drawn) {
      if (!active.has(id)) {
        d.marker.remove();
        d.line.remove();
        this.drawn.delete(id);
      }
    }
    for (const g of active.values()) this.apply(g);
  }

  private apply(g: GotoView): void {
    const d = this.drawn.get(g.id) ?? this.create(g);
    d.root.className = `goto-target goto-target--${g.state}${g.overhead ? ' goto-target--overhead' : ''}${g.amber ? ' goto-target--amber' : ''}`;
    Object.assign(d.root.dataset, { gotoId: String(g.id), vehicleId: g.vehicleId, state: g.state, overhead: String(g.overhead) });
    setText(d.text, `${this.callsign(g.vehicleId)} · ${g.overhead ? t('gotoOverhead') : gotoStateName(g)}`);
    const target = this.projection.toMap(g.target.lat, g.target.lon);
    d.marker.setLatLng(target);
    const at = this.vehicle(g.vehicleId)?.position;
    d.line.setLatLngs(at ? [this.projection.toMap(at.lat, at.lon), target] : []);
  }

  private create(g: GotoView): Drawn {
    const root = document.createElement('div');
    const text = Object.assign(document.createElement('span'), { className: 'goto-target__label' });
    root.append(Object.assign(document.createElement('span'), { className: 'goto-target__mark' }), text);
    const marker = L.marker([0, 0], {
      icon: L.divIcon({ className: 'goto-target-icon', html: root, iconSize: undefined }),
      interactive: false,
      keyboard: false,
    }).addTo(this.map);
    const line = L.polyline([], { renderer: this.renderer, className: 'goto-line', interactive: false }).addTo(this.map);
    const d = { marker, root, text, line };
    this.drawn.set(g.id, d);
    return d;
  }
}
