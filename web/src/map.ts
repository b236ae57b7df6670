/**
 * The Leaflet map: a plain grid that always lies underneath (isolated police networks have no tile
 * server), the configured tiles on top when they load (with a labels layer where the source serves
 * one apart), and a metric scale. The projection says how WGS-84 positions are drawn on these tiles.
 */

import * as L from 'leaflet';
import type { ClientConfig, TileSourceView } from '../../server/wire/types.ts';
import { followLanguage, t } from './i18n.ts';
import { projectionFor, type Projection } from './projection.ts';

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
  /** every position drawn goes through toMap, every click back through fromMap */
  projection: Projection;
}

/** The full tile source; an older service sends only tileUrl. */
export function tileSource(config: ClientConfig): TileSourceView {
  return config.tiles ?? {
    kind: config.tileUrl ? 'xyz' : 'none',
    url: config.tileUrl,
    attribution: config.tileAttribution,
    crs: 'wgs84',
    subdomains: 'abc',
    minZoom: 0,
    maxZoom: 19,
    labelsUrl: null,
  };
}

export function createMap(container: HTMLElement, config: ClientConfig): MapHandle {
  const source = tileSource(config);
  const projection = projectionFor(source.crs);
  const map = L.map(container, {
    center: projection.toMap(config.center.lat, config.center.lon),
    zoom: 15,
    maxZoom: Math.max(source.maxZoom, 19),
    // Trails of 100+ drones redraw cheaper on one canvas than as 100+ SVG paths.
    preferCanvas: true,
    zoomControl: false,
    attributionControl: Boolean(source.url),
  });
  const zoom = L.control.zoom({ position: 'topleft' }).addTo(map);
  // Leaflet words its buttons in English: they follow the page's language instead.
  followLanguage(() => {
    for (const [selector, key] of [['.leaflet-control-zoom-in', 'zoomIn'], ['.leaflet-control-zoom-out', 'zoomOut']] as const) {
      const button = zoom.getContainer()?.querySelector(selector);
      button?.setAttribute('title', t(key));
      button?.setAttribute('aria-label', t(key));
    }
  });
  map.attributionControl?.setPrefix('Leaflet');
  L.control.scale({ position: 'bottomleft', metric: true, imperial: false, maxWidth: 200 }).addTo(map);
  new PlainGrid({ zIndex: 0 }).addTo(map);

  const unavailable: Array<() => void> = [];
  if (source.url) watchTiles(map, source, () => unavailable.forEach((listener) => listener()));
  return { map, onTilesUnavailable: (listener) => unavailable.push(listener), projection };
}

function watchTiles(map: L.Map, source: TileSourceView, reportUnavailable: () => void): void {
  // Beyond the source's deepest level its tiles are stretched rather than missing.
  const options = { subdomains: source.subdomains, minZoom: source.minZoom, maxNativeZoom: source.maxZoom, maxZoom: Math.max(source.maxZoom, 19) };
  const tiles = L.tileLayer(source.url!, { ...options, attribution: source.attribution, zIndex: 1 });
  if (source.labelsUrl) L.tileLayer(source.labelsUrl, { ...options, zIndex: 2 }).on('tileerror', hideTile).addTo(map);
  let loaded = 0;
  let reported = false;
  tiles.on('tileload', () => loaded++);
  tiles.on('tileerror', (event: L.TileErrorEvent) => {
    hideTile(event);
    if (loaded === 0 && !reported) {
      reported = true;
      reportUnavailable();
    }
  });
  tiles.addTo(map);
}

/** A failed tile would show as a broken image; hide it so the grid beneath shows instead. */
function hideTile(event: L.TileErrorEvent): void {
  event.tile.style.visibility = 'hidden';
}
