/**
 * Simple route editing on the map: drag a waypoint to move it, click the map to add one (after
 * the selected one, else before the final return or landing), delete it, or change its altitude.
 * Saved back through the service, which validates the route and keeps the old file in its trash.
 */

import * as L from 'leaflet';
import { OutcomeLine } from '../console/outcome.ts';
import { button, make, setHidden, setText } from '../dom.ts';
import { t, translateStatic } from '../i18n.ts';
import { ApiError, reasonOf, requestJson } from '../live.ts';
import type { Projection } from '../projection.ts';
import { routeName, type RouteDetail, type RouteItemJson, type RouteJson } from './catalog.ts';

const WAYPOINT = 16;
const RETURN_TO_LAUNCH = 20;
const LAND = 21;
/** MAV_FRAME_GLOBAL_RELATIVE_ALT_INT: metres above home, as QGroundControl adds waypoints */
const RELATIVE_FRAME = 3;
const GLOBAL_FRAMES = new Set([0, 3, 5, 6, 10, 11]);
const DEFAULT_ALT_M = 30;

interface Entry {
  item: RouteItemJson;
  marker: L.Marker | null;
}

const isPlaced = (item: RouteItemJson) =>
  GLOBAL_FRAMES.has(item.frame) && item.lat !== null && item.lon !== null && !(item.lat === 0 && item.lon === 0) && item.command !== RETURN_TO_LAUNCH;

export interface EditorDeps {
  map: L.Map;
  renderer: L.Renderer;
  projection: Projection;
  /** the bar over the map holding the editor's controls */
  bar: HTMLElement;
  saved(detail: RouteDetail): void;
  closed(): void;
}

export class RouteEditor {
  private route: RouteJson | null = null;
  private entries: Entry[] = [];
  private selected: Entry | null = null;
  private readonly path: L.Polyline;
  private readonly title = make('h3', 'editor__title');
  private readonly selection = make('p', 'editor__selection');
  private readonly alt = make('input', 'editor__alt');
  private readonly altRow = make('label', 'editor__alt-row');
  private readonly remove = button('button editor__delete', 'deleteWaypoint');
  private readonly save = button('button button--primary editor__save', 'saveRoute');
  private readonly cancel = button('button editor__cancel', 'cancel');
  private readonly outcome = new OutcomeLine();
  private readonly issues = make('ul', 'editor__issues');

  constructor(private readonly deps: EditorDeps) {
    this.path = L.polyline([], { renderer: deps.renderer, className: 'route-edit__path', interactive: false });
    const hint = make('p', 'editor__hint');
    hint.dataset.i18n = 'editHint';
    this.alt.type = 'number';
    this.alt.step = '1';
    this.alt.min = '1';
    const altText = make('span', '');
    altText.dataset.i18n = 'waypointAltitude';
    this.altRow.append(altText, this.alt);
    const buttons = make('div', 'console__buttons');
    buttons.append(this.save, this.cancel);
    deps.bar.append(this.title, hint, this.selection, this.altRow, this.remove, buttons, this.outcome.element, this.issues);
    translateStatic(deps.bar);
    this.alt.addEventListener('change', () => {
      const value = Number(this.alt.value);
      if (this.selected && Number.isFinite(value) && value > 0) this.selected.item.alt = value;
      this.showSelection();
    });
    this.remove.addEventListener('click', () => this.deleteSelected());
    this.save.addEventListener('click', () => void this.store());
    this.cancel.addEventListener('click', () => this.stop());
    deps.map.on('click', (event: L.LeafletMouseEvent) => {
      // A click that marks an alert is not a new waypoint.
      if (this.route && !deps.map.getContainer().classList.contains('is-picking')) this.add(event.latlng);
    });
  }

  get editing(): string | null {
    return this.route?.id ?? null;
  }

  start(detail: RouteDetail): void {
    if (!detail.route) return;
    this.stop();
    this.route = structuredClone(detail.route);
    this.entries = this.route.items.map((item) => ({ item, marker: null }));
    for (const entry of this.entries) if (isPlaced(entry.item)) this.placeMarker(entry);
    this.path.addTo(this.deps.map);
    setText(this.title, t('editingRoute', { name: routeName(detail.id, detail.meta) }));
    this.outcome.clear();
    this.issues.replaceChildren();
    this.deps.bar.hidden = false;
    this.deps.map.getContainer().classList.add('is-editing');
    this.select(null);
    this.redrawPath();
  }

  stop(): void {
    if (!this.route) return;
    for (const entry of this.entries) entry.marker?.remove();
    this.path.remove();
    this.route = null;
    this.entries = [];
    this.selected = null;
    this.deps.bar.hidden = true;
    this.deps.map.getContainer().classList.remove('is-editing');
    this.deps.closed();
  }

  private placeMarker(entry: Entry): void {
    const root = document.createElement('span');
    const marker = L.marker(this.deps.projection.toMap(entry.item.lat!, entry.item.lon!), {
      draggable: true, keyboard: false, icon: L.divIcon({ className: 'route-wp route-wp--edit', html: root, iconSize: undefined }),
    });
    // Marker clicks do not reach the map: selecting a waypoint adds none.
    marker.on('click', () => this.select(entry));
    marker.on('dragstart', () => this.select(entry));
    marker.on('drag', () => this.redrawPath());
    marker.on('dragend', () => {
      const at = marker.getLatLng();
      const wgs = this.deps.projection.fromMap(at.lat, at.lng);
      entry.item.lat = wgs.lat;
      entry.item.lon = wgs.lon;
      this.redrawPath();
      this.showSelection();
    });
    marker.addTo(this.deps.map);
    entry.marker = marker;
  }

  private add(at: L.LatLng): void {
    const wgs = this.deps.projection.fromMap(at.lat, at.lng);
    const reference = this.selected?.item ?? this.entries.filter((e) => e.marker).at(-1)?.item;
    const relative = reference?.frame === RELATIVE_FRAME || !reference;
    const item: RouteItemJson = {
      command: WAYPOINT, frame: reference && !relative ? reference.frame : RELATIVE_FRAME, params: [0, 0, 0, null],
      lat: wgs.lat, lon: wgs.lon, alt: reference?.alt ?? DEFAULT_ALT_M, autocontinue: true,
    };
    const entry: Entry = { item, marker: null };
    this.entries.splice(this.insertAt(), 0, entry);
    this.placeMarker(entry);
    this.select(entry);
    this.redrawPath();
  }

  /** After the selected item, else before the route's closing return or landing. */
  private insertAt(): number {
    if (this.selected) return this.entries.indexOf(this.selected) + 1;
    let at = this.entries.length;
    while (at > 0 && [RETURN_TO_LAUNCH, LAND].includes(this.entries[at - 1]!.item.command)) at--;
    return at;
  }

  private deleteSelected(): void {
    const entry = this.selected;
    if (!entry) return;
    entry.marker?.remove();
    this.entries.splice(this.entries.indexOf(entry), 1);
    this.select(null);
    this.redrawPath();
  }

  private select(entry: Entry | null): void {
    this.selected = entry;
    this.showSelection();
  }

  /** Numbers follow the route's own item numbers (1-based), as the route list shows them. */
  private showSelection(): void {
    this.entries.forEach((e, i) => {
      const el = e.marker?.getElement();
      if (!el) return;
      el.dataset.index = String(i);
      el.classList.toggle('route-wp--selected', e === this.selected);
      setText(el.querySelector('span')!, String(i + 1));
    });
    const entry = this.selected;
    setHidden(this.altRow, !entry);
    setHidden(this.remove, !entry);
    if (!entry) {
      setText(this.selection, t('editNoSelection'));
      return;
    }
    setText(this.selection, t('editSelected', { n: this.entries.indexOf(entry) + 1, alt: entry.item.alt ?? '—' }));
    this.alt.value = entry.item.alt === null ? '' : String(Math.round(entry.item.alt));
  }

  private redrawPath(): void {
    const home = this.route?.plannedHome;
    const points: L.LatLngExpression[] = home ? [this.deps.projection.toMap(home.lat, home.lon)] : [];
    for (const entry of this.entries) {
      if (entry.marker) points.push(entry.marker.getLatLng());
      else if (entry.item.command === RETURN_TO_LAUNCH && home) points.push(this.deps.projection.toMap(home.lat, home.lon));
    }
    this.path.setLatLngs(points);
    this.showSelection();
  }

  private async store(): Promise<void> {
    const route = this.route;
    if (!route) return;
    route.items = this.entries.map((e) => e.item);
    this.save.disabled = true;
    this.issues.replaceChildren();
    this.outcome.show('pending', () => t('saving'));
    try {
      const detail = await requestJson<RouteDetail>('PUT', `/api/routes/${encodeURIComponent(route.id)}`, route);
      this.deps.saved(detail);
      this.stop();
    } catch (error) {
      // The route stays as edited: nothing is lost, the pilot fixes what the service names.
      const issues = error instanceof ApiError ? (error.body as { issues?: { text?: string; message: string }[] } | undefined)?.issues : undefined;
      this.issues.replaceChildren(...(issues ?? []).map((i) => make('li', '', i.text ?? i.message)));
      this.outcome.show('refused', () => t('routeNotSaved', { reason: reasonOf(error) }));
    } finally {
      this.save.disabled = false;
    }
  }
}
