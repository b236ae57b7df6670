/**
 * The Leaflet map: a plain grid that always lies underneath (isolated police networks have no tile
 * server), the configured tiles on top when they load, and a metric scale.
 */

import * as L from 'leaflet';
import type { ClientConfig } from '../../server/wire/types.ts';

/** Grid squares that pan and zoom with the map, so the plain background still shows movement and scale. */
class PlainGrid extends L.GridLayer {
  override createTile(): HTMLElement {
    const tile = document.createElement('div');
    tile.className = 'plain-tile';
    return tile;
  }
}

export interface MapHandle {
  map: L.Map;
  /** listener runs once if the first tiles fail before any loads: the tile server is unreachable */
  onTilesUnavailable(listener: () => void): void;
}

export function createMap(container: HTMLElement, config: ClientConfig): MapHandle {
  const map = L.map(container, {
    center: [config.center.lat, config.center.lon],
    zoom: 15,
    // Trails of 100+ drones redraw cheaper on one canvas than as 100+ SVG paths.
    preferCanvas: true,
    zoomControl: false,
    attributionControl: Boolean(config.tileUrl),
  });
  L.control.zoom({ position: 'topleft' }).addTo(map);
  map.attributionControl?.setPrefix('Leaflet');
  L.control.scale({ position: 'bottomleft', metric: true, imperial: false, maxWidth: 200 }).addTo(map);
  new PlainGrid({ zIndex: 0 }).addTo(map);

  const unavailable: Array<() => void> = [];
  if (config.tileUrl) watchTiles(map, config, () => unavailable.forEach((listener) => listener()));
  return { map, onTilesUnavailable: (listener) => unavailable.push(listener) };
}

function watchTiles(map: L.Map, config: ClientConfig, reportUnavailable: () => void): void {
  const tiles = L.tileLayer(config.tileUrl!, { attribution: config.tileAttribution, zIndex: 1, maxZoom: 19 });
  let loaded = 0;
  let reported = false;
  tiles.on('tileload', () => loaded++);
  tiles.on('tileerror', (event: L.TileErrorEvent) => {
    // A failed tile would show as a broken image; hide it so the grid beneath shows instead.
    event.tile.style.visibility = 'hidden';
    if (loaded === 0 && !reported) {
      reported = true;
      reportUnavailable();
    }
  });
  tiles.addTo(map);
}
