/**
 * Simple route editing on the map: drag a waypoint to move it, click the map to add one (after
 * the selected one, else before the final return or landing), delete it, or change its altitude.
 * Saved back through the service, which validates the route and keeps the old file in its trash.
 * The waypoints are Leaflet markers, moved by hand; the bar over the map is drawn by Preact.
 */

import { signal } from '@preact/signals';
import * as L from 'leaflet';
import { render } from 'preact';
import { Outcome, OutcomeLine } from '../console/outcome.tsx';
import { t } from '../i18n.ts';
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
  /** the route being edited, for the bar's title */
  readonly editingRoute = signal<RouteDetail | null>(null);
  /** what the bar says about the waypoint picked: its number and altitude (null: none picked) */
  readonly selection = signal<{ n: number; alt: number | null } | null>(null);
  readonly issues = signal<string[]>([]);
  readonly saving = signal(false);
  readonly outcome = new Outcome();

  constructor(private readonly deps: EditorDeps) {
    this.path = L.polyline([], { renderer: deps.renderer, className: 'route-edit__path', interactive: false });
    deps.map.on('click', (event: L.LeafletMouseEvent) => {
      // A click that marks an alert is not a new waypoint.
      if (this.route && !deps.map.getContainer().classList.contains('is-picking')) this.add(event.latlng);
    });
    render(<EditorBar editor={this} />, deps.bar);
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
    this.editingRoute.value = detail;
    this.outcome.clear();
    this.issues.value = [];
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

  /** The altitude typed for the waypoint picked. */
  setAltitude(value: number): void {
    if (this.selected && Number.isFinite(value) && value > 0) this.selected.item.alt = value;
    this.showSelection();
  }

  deleteSelected(): void {
    const entry = this.selected;
    if (!entry) return;
    entry.marker?.remove();
    this.entries.splice(this.entries.indexOf(entry), 1);
    this.select(null);
    this.redrawPath();
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
      el.querySelector('span')!.textContent = String(i + 1);
    });
    const entry = this.selected;
    this.selection.value = entry ? { n: this.entries.indexOf(entry) + 1, alt: entry.item.alt } : null;
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

  async store(): Promise<void> {
    const route = this.route;
    if (!route) return;
    route.items = this.entries.map((e) => e.item);
    this.saving.value = true;
    this.issues.value = [];
    this.outcome.show('pending', 'saving');
    try {
      const detail = await requestJson<RouteDetail>('PUT', `/api/routes/${encodeURIComponent(route.id)}`, route);
      this.deps.saved(detail);
      this.stop();
    } catch (error) {
      // The route stays as edited: nothing is lost, the pilot fixes what the service names.
      const issues = error instanceof ApiError ? (error.body as { issues?: { text?: string; message: string }[] } | undefined)?.issues : undefined;
      this.issues.value = (issues ?? []).map((i) => i.text ?? i.message);
      this.outcome.show('refused', 'routeNotSaved', { reason: reasonOf(error) });
    } finally {
      this.saving.value = false;
    }
  }
}

function EditorBar({ editor }: { editor: RouteEditor }) {
  const detail = editor.editingRoute.value;
  const selection = editor.selection.value;
  return (
    <>
      <h3 class="editor__title">{detail ? t('editingRoute', { name: routeName(detail.id, detail.meta) }) : ''}</h3>
      <p class="editor__hint">{t('editHint')}</p>
      <p class="editor__selection">{selection ? t('editSelected', { n: selection.n, alt: selection.alt ?? '—' }) : t('editNoSelection')}</p>
      <label class="editor__alt-row" hidden={!selection}>
        <span>{t('waypointAltitude')}</span>
        <input class="editor__alt" type="number" step="1" min="1" value={selection && selection.alt !== null ? String(Math.round(selection.alt)) : ''}
          onChange={(event) => editor.setAltitude(Number(event.currentTarget.value))} />
      </label>
      <button type="button" class="button editor__delete" hidden={!selection} onClick={() => editor.deleteSelected()}>{t('deleteWaypoint')}</button>
      <div class="console__buttons">
        <button type="button" class="button button--primary editor__save" disabled={editor.saving.value} onClick={() => void editor.store()}>{t('saveRoute')}</button>
        <button type="button" class="button editor__cancel" onClick={() => editor.stop()}>{t('cancel')}</button>
      </div>
      <OutcomeLine outcome={editor.outcome} />
      <ul class="editor__issues">{editor.issues.value.map((issue, n) => <li key={n}>{issue}</li>)}</ul>
    </>
  );
}
