/**
 * One route shown on the map before it is flown or while it is edited: the path, each placed item
 * numbered as the route lists it, the planned home, its fence zones and rally points.
 */

import * as L from 'leaflet';
import { followLanguage } from '../i18n.ts';
import type { Projection } from '../projection.ts';
import type { RouteDetail, RouteFeature } from './catalog.ts';
import { commandName } from './command-names.ts';

export class RoutePreview {
  private layer: L.LayerGroup | null = null;
  /** what is shown, to draw it again in another language (the items' tooltips name their kind) */
  private shown: { detail: RouteDetail; options: { numbers?: boolean } } | null = null;

  constructor(
    private readonly map: L.Map,
    private readonly renderer: L.Renderer,
    private readonly projection: Projection,
  ) {
    followLanguage(() => {
      if (this.shown) this.show(this.shown.detail, false, this.shown.options);
    });
  }

  /** fit: bring the whole route into view */
  show(detail: RouteDetail | null, fit: boolean, options: { numbers?: boolean } = {}): void {
    this.shown = detail ? { detail, options } : null;
    this.layer?.remove();
    this.layer = null;
    if (!detail?.geojson) return;
    const layer = L.layerGroup();
    for (const feature of detail.geojson.features) {
      const drawn = this.feature(feature, options.numbers ?? true);
      if (drawn) layer.addLayer(drawn);
    }
    layer.addTo(this.map);
    this.layer = layer;
    if (fit) {
      const bounds = L.latLngBounds([]);
      layer.eachLayer((l) => {
        if (l instanceof L.Marker || l instanceof L.CircleMarker) bounds.extend(l.getLatLng());
        else if (l instanceof L.Polyline) bounds.extend(l.getBounds());
      });
      if (bounds.isValid()) this.map.fitBounds(bounds.pad(0.2), { maxZoom: 18 });
    }
  }

  private at(coordinates: unknown): L.LatLngExpression {
    const [lon, lat] = coordinates as [number, number];
    return this.projection.toMap(lat, lon);
  }

  private feature(f: RouteFeature, numbers: boolean): L.Layer | null {
    const p = f.properties;
    const svg = { renderer: this.renderer, interactive: false };
    switch (p.kind) {
      case 'path':
        return L.polyline((f.geometry.coordinates as unknown[]).map((c) => this.at(c)), { ...svg, className: 'route-preview__path', dashArray: '10 6' });
      case 'item': {
        if (!numbers) return null;
        // The item's kind in the page's language (the service names it by its MAV_CMD).
        const tip = `${(p.index ?? 0) + 1} · ${p.command === undefined ? p.name ?? '' : commandName(p.command)}${
          p.alt == null ? '' : ` · ${Math.round(p.alt)} m`
        }`;
        return L.marker(this.at(f.geometry.coordinates), {
          icon: L.divIcon({ className: 'route-wp', html: `<span>${(p.index ?? 0) + 1}</span>`, iconSize: undefined }),
          keyboard: false,
          title: tip,
        });
      }
      case 'home':
        return L.marker(this.at(f.geometry.coordinates), {
          icon: L.divIcon({ className: 'route-home', html: 'H', iconSize: undefined }),
          interactive: false,
          keyboard: false,
        });
      case 'fence': {
        const ring = (f.geometry.coordinates as unknown[][])[0] ?? [];
        return L.polygon(ring.map((c) => this.at(c)), { ...svg, className: `zone ${p.inclusion ? 'zone--fence' : 'zone--nofly'}` });
      }
      case 'fence-circle':
        return L.circle(this.at(f.geometry.coordinates), { ...svg, radius: p.radius ?? 0, className: `zone ${p.inclusion ? 'zone--fence' : 'zone--nofly'}` });
      case 'rally':
        return L.circleMarker(this.at(f.geometry.coordinates), { ...svg, radius: 6, className: 'route-rally' });
      default:
        return null;
    }
  }
}
