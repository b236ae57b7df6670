/**
 * Each station's area on the city centre's map: a faint circle (its centre and radius as
 * configured) with the station's name at its top edge, so the centre sees whose ground a drone or
 * an incident is on. Drawn by hand like the other map layers; not clickable, so they never stand
 * between the operator and the map (placing an incident, editing a route, picking a drone).
 */

import * as L from 'leaflet';
import type { StationSummary } from '../../../server/wire/types.ts';
import type { Projection } from '../projection.ts';

/** metres in a degree of latitude, to put the name on the circle's northern edge */
const M_PER_DEG_LAT = 111_320;

interface Area {
  circle: L.Circle;
  label: L.Marker;
  text: HTMLElement;
}

export class StationAreas {
  private readonly areas = new Map<string, Area>();

  constructor(
    private readonly map: L.Map,
    private readonly renderer: L.Renderer,
    private readonly projection: Projection,
  ) {}

  /** Draws the stations listed (name: what the page calls each), and removes those no longer listed. */
  render(stations: readonly StationSummary[], name: (s: StationSummary) => string): void {
    const listed = new Set(stations.map((s) => s.id));
    for (const [id, area] of this.areas) {
      if (listed.has(id)) continue;
      area.circle.remove();
      area.label.remove();
      this.areas.delete(id);
    }
    for (const s of stations) {
      const area = this.areas.get(s.id) ?? this.create(s.id);
      area.circle.setLatLng(this.projection.toMap(s.lat, s.lon));
      area.circle.setRadius(s.radiusKm * 1000);
      area.label.setLatLng(this.projection.toMap(s.lat + (s.radiusKm * 1000) / M_PER_DEG_LAT, s.lon));
      if (area.text.textContent !== name(s)) area.text.textContent = name(s);
    }
  }

  private create(id: string): Area {
    const circle = L.circle([0, 0], { renderer: this.renderer, className: 'station-area', interactive: false, radius: 1 }).addTo(this.map);
    circle.getElement()?.setAttribute('data-station-id', id);
    const text = document.createElement('span');
    text.className = 'station-area__label';
    text.dataset.stationId = id;
    const label = L.marker([0, 0], {
      icon: L.divIcon({ html: text, className: 'station-area__icon', iconSize: undefined }),
      interactive: false,
      keyboard: false,
      // under the drones and incidents, should an edge pass near one
      zIndexOffset: -1000,
    }).addTo(this.map);
    const area = { circle, label, text };
    this.areas.set(id, area);
    return area;
  }
}
