/** Officers on duty where their phones last placed them; busy ones (holding a job) stand out, offline ones fade. */

import * as L from 'leaflet';
import type { OfficerView } from '../../../server/wire/types.ts';
import { setText } from '../dom.ts';
import type { Projection } from '../projection.ts';

interface Drawn {
  marker: L.Marker;
  root: HTMLElement;
  name: HTMLElement;
  key: string;
}

export class OfficerMarkers {
  private readonly drawn = new Map<string, Drawn>();

  constructor(
    private readonly map: L.Map,
    private readonly projection: Projection,
  ) {}

  /** busyWith: the alert each officer is working on (see Ops.busyWith) */
  render(officers: ReadonlyMap<string, OfficerView>, busyWith: (officer: string) => number | null): void {
    for (const [name, drawn] of this.drawn) {
      const o = officers.get(name);
      if (!o || o.lat === null || o.lon === null) {
        drawn.marker.remove();
        this.drawn.delete(name);
      }
    }
    for (const o of officers.values()) {
      if (o.lat === null || o.lon === null) continue;
      const drawn = this.drawn.get(o.name) ?? this.create(o);
      const busy = busyWith(o.name);
      const key = `${o.lat},${o.lon}|${busy}|${o.displayName}|${o.phoneOnline}`;
      if (drawn.key === key) continue;
      drawn.key = key;
      drawn.root.classList.toggle('officer--busy', busy !== null);
      drawn.root.classList.toggle('officer--offline', !o.phoneOnline);
      setText(drawn.name, o.displayName || o.name);
      const at = this.projection.toMap(o.lat, o.lon);
      drawn.marker.setLatLng(at);
      // Where it is drawn, beside where it is: they differ on a GCJ-02 map.
      drawn.root.dataset.lat = String(o.lat);
      drawn.root.dataset.lon = String(o.lon);
      drawn.root.dataset.mapLat = String(at[0]);
      drawn.root.dataset.mapLon = String(at[1]);
    }
  }

  private create(o: OfficerView): Drawn {
    const root = document.createElement('div');
    root.className = 'officer';
    root.dataset.officer = o.name;
    // A police shield: drawn, not an emoji (wall-screen machines often have no emoji font).
    root.innerHTML =
      '<svg class="officer__badge" viewBox="0 0 20 22" aria-hidden="true"><path d="M10 1 19 4v7c0 5-4 9-9 10C5 20 1 16 1 11V4z"/></svg><span class="officer__name"></span>';
    const marker = L.marker([0, 0], { icon: L.divIcon({ html: root, className: 'officer-icon', iconSize: undefined }), keyboard: false, interactive: false });
    marker.addTo(this.map);
    const drawn: Drawn = { marker, root, name: root.querySelector('.officer__name')!, key: '' };
    this.drawn.set(o.name, drawn);
    return drawn;
  }
}
