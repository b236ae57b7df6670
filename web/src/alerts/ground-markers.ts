/**
 * Ground alerts on the map, coloured by where they are in their lifecycle (open, dispatched,
 * accepted, en route, on scene, resolved), with a line from the assigned officer to the scene.
 * Markers are built once per alert and changed in place.
 */

import * as L from 'leaflet';
import type { GroundAlertView } from '../../../server/wire/types.ts';
import { setText } from '../dom.ts';
import { followLanguage, tOptional } from '../i18n.ts';
import type { Projection } from '../projection.ts';

interface Drawn {
  marker: L.Marker;
  root: HTMLElement;
  text: HTMLElement;
  line: L.Polyline;
  key: string;
}

export function categoryName(category: string): string {
  return tOptional(`cat_${category}`, category);
}

export function groundStateName(state: string): string {
  return tOptional(`ground_${state}`, state);
}

export class GroundAlertMarkers {
  private readonly drawn = new Map<number, Drawn>();
  /** the alerts last drawn, to label again after a language switch */
  private shown: ReadonlyMap<number, GroundAlertView> = new Map();

  constructor(
    private readonly map: L.Map,
    private readonly renderer: L.Renderer,
    private readonly projection: Projection,
    private readonly onPick: (id: number) => void,
  ) {
    followLanguage(() => this.relabel());
  }

  render(alerts: ReadonlyMap<number, GroundAlertView>): void {
    this.shown = alerts;
    for (const [id, drawn] of this.drawn) {
      if (!alerts.has(id)) {
        drawn.marker.remove();
        drawn.line.remove();
        this.drawn.delete(id);
      }
    }
    for (const alert of alerts.values()) this.apply(alert);
  }

  /** After a language switch every label is written again. */
  private relabel(): void {
    for (const drawn of this.drawn.values()) drawn.key = '';
    this.render(this.shown);
  }

  private apply(alert: GroundAlertView): void {
    const drawn = this.drawn.get(alert.id) ?? this.create(alert);
    const assignee = alert.assignee;
    const key = `${alert.state}|${alert.lat},${alert.lon}|${assignee?.lat},${assignee?.lon}`;
    if (drawn.key === key) return;
    drawn.key = key;
    drawn.root.className = `ground-alert ground-alert--${alert.state} ground-alert--p${alert.priority}`;
    drawn.root.dataset.state = alert.state;
    setText(drawn.text, `${categoryName(alert.category)} · ${groundStateName(alert.state)}`);
    drawn.marker.setLatLng(this.projection.toMap(alert.lat, alert.lon));
    const from = assignee && assignee.lat !== null && assignee.lon !== null ? this.projection.toMap(assignee.lat, assignee.lon) : null;
    drawn.line.setLatLngs(from ? [from, this.projection.toMap(alert.lat, alert.lon)] : []);
  }

  private create(alert: GroundAlertView): Drawn {
    const root = document.createElement('div');
    root.dataset.alertId = String(alert.id);
    root.innerHTML = '<span class="ground-alert__pin">!</span><span class="ground-alert__text"></span>';
    const marker = L.marker([0, 0], {
      icon: L.divIcon({ html: root, className: 'ground-alert-icon', iconSize: undefined }),
      keyboard: false,
      zIndexOffset: 500,
    });
    marker.on('click', () => this.onPick(alert.id));
    marker.addTo(this.map);
    const line = L.polyline([], { renderer: this.renderer, className: 'ground-alert__route', dashArray: '6 6', interactive: false }).addTo(this.map);
    const drawn: Drawn = { marker, root, text: root.querySelector('.ground-alert__text')!, line, key: '' };
    this.drawn.set(alert.id, drawn);
    return drawn;
  }
}
