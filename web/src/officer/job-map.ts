/** A small map of one job: the incident, the officer, and the straight line between them. */

import * as L from 'leaflet';
import type { ClientConfig, GroundAlertView } from '../../../server/wire/types.ts';
import { createMap } from '../map.ts';
import type { LatLon } from './geo.ts';

export class JobMap {
  private readonly map: L.Map;
  private readonly incident: L.CircleMarker;
  private readonly me: L.CircleMarker;
  private readonly line: L.Polyline;
  private shownJob: number | null = null;
  /** the officer touched the map: leave the view where they put it until the next job */
  private userFramed = false;

  constructor(private readonly container: HTMLElement, config: ClientConfig) {
    this.map = createMap(container, config).map;
    // Drawn on the map's canvas, so colours are options, not CSS: bright fills with white rims read on any background.
    this.line = L.polyline([], { color: '#ffd400', weight: 4, dashArray: '8 8' }).addTo(this.map);
    this.incident = L.circleMarker([0, 0], { radius: 12, color: '#ffffff', weight: 3, fillColor: '#ff2d2d', fillOpacity: 1 }).bindTooltip('');
    this.me = L.circleMarker([0, 0], { radius: 9, color: '#ffffff', weight: 3, fillColor: '#1e90ff', fillOpacity: 1 }).bindTooltip('');
    container.addEventListener('pointerdown', () => (this.userFramed = true));
  }

  /** Show job (null: none) and where the officer is, framing both as the officer closes in. */
  show(job: GroundAlertView | null, here: LatLon | null, labels: { incident: string; you: string }): void {
    this.container.hidden = job === null;
    if (!job) {
      this.shownJob = null;
      return;
    }
    this.map.invalidateSize();
    const target = L.latLng(job.lat, job.lon);
    this.incident.setLatLng(target).setTooltipContent(labels.incident).addTo(this.map);
    this.container.dataset.jobId = String(job.id);
    if (here) {
      this.me.setLatLng([here.lat, here.lon]).setTooltipContent(labels.you).addTo(this.map);
      this.line.setLatLngs([[here.lat, here.lon], target]);
    } else {
      this.me.remove();
      this.line.setLatLngs([]);
    }
    if (this.shownJob !== job.id) this.userFramed = false;
    this.shownJob = job.id;
    const framed = L.latLngBounds([target, ...(here ? [L.latLng(here.lat, here.lon)] : [])]).pad(0.3);
    const zoom = Math.min(17, this.map.getBoundsZoom(framed));
    if (!this.userFramed && (zoom !== this.map.getZoom() || !this.map.getBounds().contains(framed))) {
      this.map.fitBounds(framed, { maxZoom: 17, animate: false });
    }
  }
}
