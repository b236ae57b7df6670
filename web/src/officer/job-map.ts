/**
 * A small map of one job: the incident, the officer, and the straight line between them. On
 * GCJ-02 tiles (AMap, Tencent) both positions are converted for display, as on the command room's map.
 */

import * as L from 'leaflet';
import type { ClientConfig, GroundAlertView } from '../../../server/wire/types.ts';
import { createMap } from '../map.ts';
import type { Projection } from '../projection.ts';
import type { LatLon } from '../../../server/wire/types.ts';

export class JobMap {
  private readonly map: L.Map;
  private readonly projection: Projection;
  private readonly incident: L.CircleMarker;
  private readonly me: L.CircleMarker;
  private readonly line: L.Polyline;
  private shownJob: number | null = null;
  /** the officer touched the map: leave the view where they put it until the next job */
  private userFramed = false;

  /** container: the map's element, which the page places into the selected job's card */
  constructor(readonly container: HTMLElement, config: ClientConfig) {
    ({ map: this.map, projection: this.projection } = createMap(container, config));
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
    const target = L.latLng(this.projection.toMap(job.lat, job.lon));
    const me = here ? L.latLng(this.projection.toMap(here.lat, here.lon)) : null;
    this.incident.setLatLng(target).setTooltipContent(labels.incident).addTo(this.map);
    // Where each is drawn, for support staff (and the browser test): canvas markers have no element.
    Object.assign(this.container.dataset, { jobId: String(job.id), incidentMapLat: String(target.lat), incidentMapLon: String(target.lng) });
    if (me) {
      this.me.setLatLng(me).setTooltipContent(labels.you).addTo(this.map);
      this.line.setLatLngs([me, target]);
      Object.assign(this.container.dataset, { meMapLat: String(me.lat), meMapLon: String(me.lng) });
    } else {
      this.me.remove();
      this.line.setLatLngs([]);
      delete this.container.dataset.meMapLat;
      delete this.container.dataset.meMapLon;
    }
    if (this.shownJob !== job.id) this.userFramed = false;
    this.shownJob = job.id;
    const framed = L.latLngBounds([target, ...(me ? [me] : [])]).pad(0.3);
    const zoom = Math.min(17, this.map.getBoundsZoom(framed));
    if (!this.userFramed && (zoom !== this.map.getZoom() || !this.map.getBounds().contains(framed))) {
      this.map.fitBounds(framed, { maxZoom: 17, animate: false });
    }
  }
}
