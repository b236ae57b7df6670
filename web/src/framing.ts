/**
 * What the map shows and where: a view is fitted into the part of the map nothing floats over
 * (the drone panel on the right, the bars at the bottom), not the whole map. "Fit all" shows every
 * layer that has something to show; until the operator moves the map, the first view follows each
 * layer as it arrives (drones, officers, the station's geofence), so nothing is left off screen.
 */

import * as L from 'leaflet';
import { followLanguage, t } from './i18n.ts';

/** space kept free around what is fitted, in px, so markers and labels are not cut at the edge */
const MARGIN = 40;
/**
 * The closest "show everything" and the first view zoom in: a street-level view of the district
 * (~2 m a pixel), however small the group shown; a lone officer or a squadron on the ground at
 * one home would otherwise fill the screen and leave the operator no room to zoom in.
 */
const FIT_MAX_ZOOM = 16;

export type BoundsSource = () => L.LatLngBounds | null;

/** Where the map is covered by the elements floating over it, as Leaflet's fitBounds padding. */
export function visiblePadding(map: L.Map, covers: HTMLElement[]): { paddingTopLeft: L.Point; paddingBottomRight: L.Point } {
  const area = map.getContainer().getBoundingClientRect();
  let left = 0;
  let top = 0;
  let right = 0;
  let bottom = 0;
  for (const cover of covers) {
    if (cover.hidden || !cover.isConnected) continue;
    const r = cover.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // A panel taller than it is wide stands at a side; a bar wider than tall lies at the top or bottom.
    const tall = r.height >= r.width;
    if (tall && r.left - area.left > area.width / 2) right = Math.max(right, area.right - r.left);
    else if (tall) left = Math.max(left, r.right - area.left);
    else if (r.top - area.top > area.height / 2) bottom = Math.max(bottom, area.bottom - r.top);
    else top = Math.max(top, r.bottom - area.top);
  }
  return { paddingTopLeft: L.point(left + MARGIN, top + MARGIN), paddingBottomRight: L.point(right + MARGIN, bottom + MARGIN) };
}

export class Framing {
  private readonly sources: BoundsSource[] = [];
  /** the operator has moved or zoomed the map: from then on only they (or "fit all") do */
  private touched = false;
  /** the sources that had something to show at the last automatic fit */
  private readonly shown = new Set<BoundsSource>();

  constructor(
    private readonly map: L.Map,
    /** what floats over the map: the drone panel, the replay and editor bars */
    private readonly covers: HTMLElement[],
  ) {
    const container = map.getContainer();
    for (const event of ['pointerdown', 'wheel', 'keydown', 'touchstart'] as const) {
      container.addEventListener(event, () => (this.touched = true), { passive: true });
    }
    this.addButton();
  }

  /** A layer whose extent "fit all" and the first view include. */
  addSource(source: BoundsSource): void {
    this.sources.push(source);
  }

  /**
   * Something may have arrived: a layer showing something for the first time (the first drones,
   * officers, the geofence) is taken into the view, unless the operator has moved the map. Later
   * movements are not followed: the view does not wander while someone reads it.
   */
  changed(): void {
    if (this.touched) return;
    const fresh = this.sources.filter((source) => !this.shown.has(source) && source()?.isValid());
    if (fresh.length === 0) return;
    fresh.forEach((source) => this.shown.add(source));
    this.fitAll(false);
  }

  /** Every layer that has something to show, in the visible part of the map. */
  fitAll(animate = true): boolean {
    let all: L.LatLngBounds | null = null;
    for (const source of this.sources) {
      const bounds = source();
      if (!bounds?.isValid()) continue;
      all = all ? all.extend(bounds) : L.latLngBounds(bounds.getSouthWest(), bounds.getNorthEast());
    }
    if (!all) return false;
    this.fit(all, FIT_MAX_ZOOM, animate);
    return true;
  }

  /** Fits bounds into the visible part of the map, no closer than maxZoom. */
  fit(bounds: L.LatLngBounds, maxZoom: number, animate = true): void {
    this.map.fitBounds(bounds, { ...visiblePadding(this.map, this.covers), maxZoom, animate });
  }

  /** The point is on the map and not under anything floating over it. */
  isVisible(at: L.LatLng): boolean {
    const { paddingTopLeft, paddingBottomRight } = visiblePadding(this.map, this.covers);
    const p = this.map.latLngToContainerPoint(at);
    const size = this.map.getSize();
    return p.x >= paddingTopLeft.x && p.y >= paddingTopLeft.y && p.x <= size.x - paddingBottomRight.x && p.y <= size.y - paddingBottomRight.y;
  }

  /** Centres a point in the visible part of the map at `zoom`. */
  centre(at: L.LatLng, zoom: number): void {
    const { paddingTopLeft, paddingBottomRight } = visiblePadding(this.map, this.covers);
    const shift = paddingBottomRight.subtract(paddingTopLeft).divideBy(2);
    this.map.setView(this.map.unproject(this.map.project(at, zoom).add(shift), zoom), zoom);
  }

  /** The "fit all" button, under the zoom buttons, worded in the page's language. */
  private addButton(): void {
    const Control = L.Control.extend({
      onAdd: () => {
        const bar = L.DomUtil.create('div', 'leaflet-bar map-fit');
        const button = L.DomUtil.create('button', 'map-fit__all', bar);
        button.type = 'button';
        // Four corners pointing out: the usual sign for "show everything".
        button.innerHTML = '<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M2 7V2h5M13 2h5v5M18 13v5h-5M7 18H2v-5"/></svg>';
        L.DomEvent.disableClickPropagation(bar);
        L.DomEvent.on(button, 'click', () => {
          this.fitAll();
        });
        followLanguage(() => {
          button.title = t('fitAll');
          button.setAttribute('aria-label', t('fitAll'));
        });
        return bar;
      },
    });
    new Control({ position: 'topleft' }).addTo(this.map);
  }
}
