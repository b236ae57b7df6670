/**
 * Draws the fleet: markers, list and panel, redrawn at most once per animation frame from the
 * newest view of each changed drone, however fast updates arrive. Also owns which drone is selected.
 */

import * as L from 'leaflet';
import type { VehicleView } from '../../server/wire/types.ts';
import type { DroneConsole } from './console/console.tsx';
import { setText } from './dom.ts';
import { FleetMirror } from './fleet.ts';
import type { Framing } from './framing.ts';
import { renderNextFrame } from './frame.ts';
import { followLanguage, t } from './i18n.ts';
import { DroneList, type DroneDuty } from './list.ts';
import { DroneMarkers } from './markers.ts';
import { TelemetryPanel } from './panel.ts';
import type { Projection } from './projection.ts';

/** when the map is zoomed out further than this, picking a drone in the list also zooms in */
const PICK_MIN_ZOOM = 15;
/** the closest a drone and its route are zoomed to */
const PICK_MAX_ZOOM = 18;
/**
 * Labels are sorted out at most this often while drones fly (and at once after a zoom): it
 * measures every label, which with 250 drones at every frame halved the map's frame rate.
 */
const DECLUTTER_MS = 1000;

export interface FleetViewElements {
  list: HTMLOListElement;
  listEmpty: HTMLElement;
  panel: HTMLElement;
  summary: HTMLElement;
}

export interface FleetViewParts {
  projection: Projection;
  /** fits what is picked into the part of the map the panel leaves visible */
  framing: Framing;
  /** drawn in the panel above the telemetry */
  console?: DroneConsole;
  /** who flies each drone and on what (the list says it) */
  duty?: (vehicleId: string) => DroneDuty;
  /** the extent of the drone's patrol route on the map, when it flies one */
  routeBounds?: (vehicleId: string) => L.LatLngBounds | null;
  /** what the page calls a drone's station (VehicleView.station): its name, else its id; "" leaves it unsaid */
  stationLabel?: (id: string | undefined) => string;
}

const NO_DUTY: DroneDuty = { pilot: null, run: undefined, station: '' };

export class FleetView {
  private readonly fleet = new FleetMirror();
  private readonly markers: DroneMarkers;
  private readonly list: DroneList;
  private readonly panel: TelemetryPanel;
  private selected: string | null = null;
  private declutteredAt = Number.NEGATIVE_INFINITY;
  private readonly render = () => this.renderFrame();

  constructor(
    private readonly map: L.Map,
    private readonly elements: FleetViewElements,
    private readonly parts: FleetViewParts,
  ) {
    this.markers = new DroneMarkers(map, (id) => this.select(id, false), parts.projection);
    this.list = new DroneList(elements.list, elements.listEmpty, (id) => this.select(id, true));
    this.panel = new TelemetryPanel(elements.panel, () => this.select(null, false), parts.console?.element, parts.stationLabel);
    parts.framing.addSource(() => this.markers.bounds());
    // "Last heard … s ago" ages even when nothing arrives.
    setInterval(() => this.scheduleFrame(), 1000);
    followLanguage(() => this.relabel());
    // Labels that overlap at one zoom may not at the next.
    map.on('zoomend', () => this.markers.declutter());
  }

  /** the drones as last reported */
  get vehicles(): ReadonlyMap<string, VehicleView> {
    return this.fleet.vehicles;
  }

  /** Something the panel and the list show besides telemetry changed (a run, who holds a drone, the station). */
  refresh(): void {
    this.fleet.touchAll();
    this.scheduleFrame();
  }

  /** Shows this drone's panel and brings it into view (e.g. from an alert naming it). */
  focus(id: string): void {
    this.select(id, true);
  }

  /** full: the complete list (drones missing from it are gone); else just the changed ones. */
  receive(views: VehicleView[], full: boolean): void {
    if (full) this.fleet.replaceAll(views);
    else this.fleet.upsert(views);
    this.scheduleFrame();
  }

  /** true once a complete list has arrived: an older one must not overwrite it */
  get seeded(): boolean {
    return this.fleet.seeded;
  }

  /** After a language switch: every text is drawn again. */
  private relabel(): void {
    this.panel.localeChanged();
    this.fleet.touchAll();
    this.scheduleFrame();
  }

  private select(id: string | null, pan: boolean): void {
    this.selected = id;
    this.markers.select(id);
    this.list.select(id);
    // Shown now rather than next frame: panning below needs the panel's width.
    this.panel.show(id, id ? this.fleet.vehicles.get(id) : undefined, Date.now());
    this.parts.console?.render(id ? this.fleet.vehicles.get(id) : undefined);
    const position = id ? this.fleet.vehicles.get(id)?.position : null;
    if (id && position) this.frame(id, L.latLng(this.parts.projection.toMap(position.lat, position.lon)), pan);
  }

  /**
   * Shows the drone, and its route when it flies one, in the part of the map the panel leaves
   * visible. pan: picked from the list or an alert (bring it into view); else picked on the map,
   * where it is moved only if the panel now covers it.
   */
  private frame(id: string, at: L.LatLng, pan: boolean): void {
    const framing = this.parts.framing;
    if (!pan && framing.isVisible(at)) return;
    const route = this.parts.routeBounds?.(id);
    if (route?.isValid()) framing.fit(L.latLngBounds([at, at]).extend(route), PICK_MAX_ZOOM);
    else framing.centre(at, Math.max(this.map.getZoom(), pan ? PICK_MIN_ZOOM : 0));
  }

  private scheduleFrame(): void {
    renderNextFrame(this.render);
  }

  private renderFrame(): void {
    const { changed, removed } = this.fleet.take();
    for (const id of removed) {
      this.markers.remove(id);
      this.list.remove(id);
    }
    for (const view of changed) {
      this.markers.apply(view);
      this.list.apply(view, this.parts.duty?.(view.id) ?? NO_DUTY);
    }
    const now = performance.now();
    if ((changed.length || removed.length) && now - this.declutteredAt >= DECLUTTER_MS) {
      this.declutteredAt = now;
      this.markers.declutter();
    }
    // The first sight of the fleet is taken into the view (with the officers and the geofence).
    this.parts.framing.changed();
    setText(this.elements.summary, t('fleetSummary', this.fleet.counts()));
    const selected = this.selected ? this.fleet.vehicles.get(this.selected) : undefined;
    this.panel.show(this.selected, selected, Date.now());
    this.parts.console?.render(selected);
  }
}
