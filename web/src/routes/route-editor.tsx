/**
 * Simple route editing on the map: drag a waypoint to move it, click the map to add one (after
 * the selected one, else before the final return or landing), delete it, or change its altitude.
 * While editing, the station's geofence, no-fly zones and ceiling are shown, and every change is
 * checked at once with the service's own rules (server/wire/route-rules.ts): a leg across a zone
 * or out of the fence is drawn red and listed, a waypoint above the ceiling flagged, and the
 * route's length, flight time and battery need (with the station's reserve) follow each move.
 * A flagged route is not sent; the service checks again on save and keeps the old file in its trash.
 * The waypoints are Leaflet markers, moved by hand; the bar over the map is drawn by Preact.
 */

import { signal } from '@preact/signals';
import * as L from 'leaflet';
import { render } from 'preact';
import { airspaceFindings, batteryNeedPercent, estimateFlight, flownPath, type AirspaceFinding, type RouteRules } from '../../../server/wire/route-rules.ts';
import { Outcome, OutcomeLine } from '../console/outcome.tsx';
import { distance, duration } from '../format.ts';
import { t } from '../i18n.ts';
import { ApiError, reasonSaid, requestJson } from '../live.ts';
import type { Projection } from '../projection.ts';
import { routeName, type RouteDetail, type RouteIssue, type RouteItemJson, type RouteJson } from './catalog.ts';
import { RouteIssueText } from '../said.tsx';

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

/** The route's figures as edited: length, flight time, and the battery it needs with the station's reserve. */
export interface RouteFigures {
  distanceM: number;
  durationS: number;
  batteryPercent: number;
  reservePercent: number;
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
  /** the legs that break the station's rules, drawn over the path */
  private readonly badLegs: L.LayerGroup;
  /** the station's geofence and no-fly zones, drawn strongly while editing */
  private zones: L.LayerGroup | null = null;
  private rules: RouteRules | null = null;
  /** the route being edited, for the bar's title */
  readonly editingRoute = signal<RouteDetail | null>(null);
  /** what the bar says about the waypoint picked: its number and altitude (null: none picked) */
  readonly selection = signal<{ n: number; alt: number | null } | null>(null);
  /** the service's reasons for refusing the route, said in the page's language where they carry a code */
  readonly issues = signal<RouteIssue[]>([]);
  /** what breaks the station's rules now, as the pilot edits */
  readonly findings = signal<AirspaceFinding[]>([]);
  readonly figures = signal<RouteFigures | null>(null);
  readonly stationRules = signal<RouteRules | null>(null);
  readonly saving = signal(false);
  readonly outcome = new Outcome();

  constructor(private readonly deps: EditorDeps) {
    this.path = L.polyline([], { renderer: deps.renderer, className: 'route-edit__path', interactive: false });
    this.badLegs = L.layerGroup();
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
    this.rules = detail.rules;
    this.stationRules.value = detail.rules;
    this.drawZones(detail.rules);
    this.entries = this.route.items.map((item) => ({ item, marker: null }));
    for (const entry of this.entries) if (isPlaced(entry.item)) this.placeMarker(entry);
    this.path.addTo(this.deps.map);
    this.badLegs.addTo(this.deps.map);
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
    this.badLegs.clearLayers();
    this.badLegs.remove();
    this.zones?.remove();
    this.zones = null;
    this.findings.value = [];
    this.figures.value = null;
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
    this.check();
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
      draggable: true,
      keyboard: false,
      icon: L.divIcon({ className: 'route-wp route-wp--edit', html: root, iconSize: undefined }),
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
      command: WAYPOINT,
      frame: reference && !relative ? reference.frame : RELATIVE_FRAME,
      params: [0, 0, 0, null],
      lat: wgs.lat,
      lon: wgs.lon,
      alt: reference?.alt ?? DEFAULT_ALT_M,
      autocontinue: true,
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
    this.check();
  }

  /** The route as it stands on the map, a waypoint being dragged where it is now. */
  private current(): { plannedHome: RouteJson['plannedHome']; items: RouteItemJson[] } {
    const items = this.entries.map((e) => {
      if (!e.marker) return e.item;
      const at = e.marker.getLatLng();
      const wgs = this.deps.projection.fromMap(at.lat, at.lng);
      return { ...e.item, lat: wgs.lat, lon: wgs.lon };
    });
    return { plannedHome: this.route?.plannedHome ?? null, items };
  }

  /** The station's rules applied to the route as edited: the figures, the flags, the legs drawn red. */
  private check(): void {
    const rules = this.rules;
    if (!this.route || !rules) return this.showSelection();
    const route = this.current();
    const flight = estimateFlight(route, { speedMs: rules.speedMs });
    this.figures.value = {
      distanceM: flight.distanceM,
      durationS: flight.durationS,
      batteryPercent: batteryNeedPercent(flight.durationS, rules),
      reservePercent: rules.reservePercent,
    };
    const findings = airspaceFindings(route, rules);
    this.findings.value = findings;
    this.badLegs.clearLayers();
    const path = flownPath(route);
    const flagged = new Set(findings.map((f) => f.item));
    for (const f of findings) {
      if (f.kind !== 'leg_crosses_no_fly' && f.kind !== 'leg_leaves_geofence') continue;
      const to = path.findIndex((p, k) => k > 0 && p.item === f.item);
      const a = path[to - 1];
      const b = path[to];
      if (!a || !b) continue;
      L.polyline([this.deps.projection.toMap(a.lat, a.lon), this.deps.projection.toMap(b.lat, b.lon)], {
        renderer: this.deps.renderer,
        className: 'route-edit__leg--bad',
        interactive: false,
      }).addTo(this.badLegs);
    }
    this.entries.forEach((e, i) => e.marker?.getElement()?.classList.toggle('route-wp--flagged', flagged.has(i)));
    this.showSelection();
  }

  private drawZones(rules: RouteRules): void {
    this.zones?.remove();
    const polygon = (zone: RouteRules['noFly'][number], kind: 'fence' | 'nofly') =>
      L.polygon(zone.polygon.map((v) => this.deps.projection.toMap(v.lat, v.lon)), {
        renderer: this.deps.renderer,
        className: `zone zone--station zone--${kind} zone--editing`,
        interactive: false,
      });
    this.zones = L.layerGroup([
      ...(rules.geofence ? [polygon(rules.geofence, 'fence')] : []),
      ...rules.noFly.map((zone) => polygon(zone, 'nofly')),
    ]).addTo(this.deps.map);
  }

  async store(): Promise<void> {
    const route = this.route;
    if (!route || this.findings.value.length) return;
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
      const issues = error instanceof ApiError ? (error.body as { issues?: RouteIssue[] } | undefined)?.issues : undefined;
      this.issues.value = issues ?? [];
      this.outcome.show('refused', 'routeNotSaved', { reason: reasonSaid(error) });
    } finally {
      this.saving.value = false;
    }
  }
}

/** A flag in the page's language; items numbered from 1 as the route lists them, a leg from home says so. */
function flagText(f: AirspaceFinding): string {
  const n = f.item + 1;
  switch (f.kind) {
    case 'waypoint_in_no_fly':
      return t('flagWaypointInNoFly', { n, zone: f.zone });
    case 'waypoint_outside_geofence':
      return t('flagWaypointOutsideFence', { n, zone: f.zone });
    case 'leg_crosses_no_fly':
      return t('flagLegCrossesNoFly', { from: f.from === null ? t('legHome') : f.from + 1, n, zone: f.zone });
    case 'leg_leaves_geofence':
      return t('flagLegLeavesFence', { from: f.from === null ? t('legHome') : f.from + 1, n, zone: f.zone });
    case 'above_ceiling':
      return t('flagAboveCeiling', { n, alt: Math.round(f.heightM), ceiling: f.ceilingM });
  }
}

function StationRulesLine({ rules }: { rules: RouteRules }) {
  return (
    <p class='editor__rules'>
      {t('editRules', {
        ceiling: rules.ceilingM,
        fence: rules.geofence ? rules.geofence.name : t('editNone'),
        zones: rules.noFly.length ? rules.noFly.map((z) => z.name).join(', ') : t('editNone'),
      })}
    </p>
  );
}

function FiguresLine({ figures }: { figures: RouteFigures }) {
  const over = figures.batteryPercent > 100;
  return (
    <p class={`editor__figures${over ? ' editor__figures--over' : ''}`} data-battery={figures.batteryPercent}>
      {t('editFigures', {
        distance: distance(figures.distanceM),
        duration: duration(figures.durationS),
        battery: figures.batteryPercent,
        reserve: figures.reservePercent,
      })}
      {over && <span class='editor__battery-over'>{` ${t('editBatteryOver')}`}</span>}
    </p>
  );
}

function EditorBar({ editor }: { editor: RouteEditor }) {
  const detail = editor.editingRoute.value;
  const selection = editor.selection.value;
  const rules = editor.stationRules.value;
  const figures = editor.figures.value;
  const findings = editor.findings.value;
  return (
    <>
      <h3 class='editor__title'>{detail ? t('editingRoute', { name: routeName(detail.id, detail.meta) }) : ''}</h3>
      <p class='editor__hint'>{t('editHint')}</p>
      {rules && <StationRulesLine rules={rules} />}
      {figures && <FiguresLine figures={figures} />}
      {findings.length > 0 && (
        <ul class='editor__flags'>{findings.map((f, n) => <li key={n} class='editor__flag' data-kind={f.kind} data-item={f.item}>{flagText(f)}</li>)}</ul>
      )}
      <p class='editor__selection'>{selection ? t('editSelected', { n: selection.n, alt: selection.alt ?? '—' }) : t('editNoSelection')}</p>
      <label class='editor__alt-row' hidden={!selection}>
        <span>{t('waypointAltitude')}</span>
        <input
          class='editor__alt'
          type='number'
          step='1'
          min='1'
          value={selection && selection.alt !== null ? String(Math.round(selection.alt)) : ''}
          onChange={(event) => editor.setAltitude(Number(event.currentTarget.value))}
        />
      </label>
      <button type='button' class='button editor__delete' hidden={!selection} onClick={() => editor.deleteSelected()}>{t('deleteWaypoint')}</button>
      <div class='console__buttons'>
        <button
          type='button'
          class='button button--primary editor__save'
          disabled={editor.saving.value || findings.length > 0}
          onClick={() => void editor.store()}
        >
          {t('saveRoute')}
        </button>
        <button type='button' class='button editor__cancel' onClick={() => editor.stop()}>{t('cancel')}</button>
      </div>
      {findings.length > 0 && <p class='editor__fix-first'>{t('editFixFirst')}</p>}
      <OutcomeLine outcome={editor.outcome} />
      <ul class='editor__issues'>
        {editor.issues.value.map((issue, n) => (
          <li key={n}>
            <RouteIssueText issue={issue} />
          </li>
        ))}
      </ul>
    </>
  );
}
