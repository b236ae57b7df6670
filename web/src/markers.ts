/**
 * One marker, one trail and one home point per drone. Each marker's element is built once and then
 * changed in place (position, rotation, classes, texts), never recreated: with 100+ drones updating
 * several times a second, rebuilding icons would thrash the DOM.
 */

import * as L from 'leaflet';
import type { VehicleHealth, VehicleView } from '../../server/wire/types.ts';
import { setText } from './dom.ts';
import { num } from './format.ts';
import type { Projection } from './projection.ts';

/** positions kept per trail: the last ~60 reported, a short tail that shows where each drone came from */
const TRAIL_LENGTH = 60;
/** labels stacked below one another where drones crowd; beyond that, the last one says how many more */
const MAX_STACK = 4;
/** px between stacked labels */
const STACK_GAP = 2;
/** the labels of the other point layers a drone's label keeps clear of: incidents (alerts/ground-markers.ts) and a goto's point (goto-layer.ts) */
const OTHER_LABELS = '.ground-alert__text, .goto-target__label';

/** An arrow pointing north at 0°, and a dot for when the heading is unknown; turned, the arrow (at
 *  most 19 units from the centre, 20.4 with its outline) stays inside the 44-unit square. */
const ICON_SVG = `<svg class="drone__glyph" viewBox="-22 -22 44 44" aria-hidden="true">
  <path class="drone__arrow" d="M0,-18 L13,14 L0,7 L-13,14 Z"/>
  <circle class="drone__dot" r="9"/>
</svg>`;

interface DroneMarker {
  marker: L.Marker;
  trail: L.Polyline;
  /** our element inside Leaflet's icon div; kept across remove/re-add of the marker */
  root: HTMLElement;
  glyph: SVGElement;
  label: HTMLElement;
  /** the box holding callsign and info, moved down where drones crowd (declutter) */
  labelBox: HTMLElement;
  /** its size when last shown, and where declutter last put it */
  labelSize: { w: number; h: number };
  labelPlace: string;
  /** altitude and battery under the callsign */
  info: HTMLElement;
  /** the launch point, drawn as an "H" pad; null until the autopilot reports it */
  home: L.Marker | null;
  homeKey: string;
  points: L.LatLng[];
  /** the last reported position, as reported (points are as drawn) */
  last: { lat: number; lon: number } | null;
  onMap: boolean;
  health: VehicleHealth | null;
  heading: number | null;
}

export class DroneMarkers {
  private readonly drones = new Map<string, DroneMarker>();
  private selected: string | null = null;
  private readonly colours: Record<VehicleHealth, string>;

  constructor(
    private readonly map: L.Map,
    private readonly onSelect: (id: string) => void,
    private readonly projection: Projection,
  ) {
    // The canvas-drawn trails take their colours from the same CSS variables as the icons.
    const css = getComputedStyle(document.documentElement);
    this.colours = {
      ok: css.getPropertyValue('--ok').trim(),
      warning: css.getPropertyValue('--warning').trim(),
      lost: css.getPropertyValue('--lost').trim(),
    };
  }

  apply(view: VehicleView): void {
    const drone = this.drones.get(view.id) ?? this.create(view);
    if (drone.label.textContent !== view.callsign) drone.label.textContent = view.callsign;
    setText(drone.info, `${num(view.position?.altRel, 0, 'm')} · ${num(view.battery?.percent, 0, '%')}`);
    if (drone.health !== view.health) {
      if (drone.health) drone.root.classList.remove(`drone--${drone.health}`);
      drone.root.classList.add(`drone--${view.health}`);
      drone.health = view.health;
      this.styleTrail(drone, view.id);
    }
    if (drone.heading !== view.heading) {
      drone.heading = view.heading;
      drone.root.classList.toggle('drone--no-heading', view.heading === null);
      // The arrow turns inside its square, not the square itself: a turned square's box grows by
      // up to 41 % at diagonal headings and would reach into the label placed below it.
      drone.glyph.querySelector('.drone__arrow')!.setAttribute('transform', `rotate(${view.heading ?? 0})`);
      drone.root.dataset.heading = view.heading === null ? '' : String(view.heading);
    }
    this.place(drone, view);
    this.placeHome(drone, view);
  }

  remove(id: string): void {
    const drone = this.drones.get(id);
    if (!drone) return;
    drone.marker.remove();
    drone.trail.remove();
    drone.home?.remove();
    this.drones.delete(id);
  }

  select(id: string | null): void {
    const previous = this.selected;
    this.selected = id;
    for (const changed of [previous, id]) {
      const drone = changed === null ? undefined : this.drones.get(changed);
      if (!drone) continue;
      drone.root.classList.toggle('drone--selected', changed === id);
      drone.marker.setZIndexOffset(changed === id ? 1000 : 0);
      this.styleTrail(drone, changed!);
    }
  }

  /** where the drone is drawn now, or null if it has no position */
  latLngOf(id: string): L.LatLng | null {
    const drone = this.drones.get(id);
    return drone?.onMap ? drone.marker.getLatLng() : null;
  }

  /** bounds of every drone on the map and its home, or null when none has a position */
  bounds(): L.LatLngBounds | null {
    const points = [...this.drones.values()].flatMap((d) => [...(d.onMap ? [d.marker.getLatLng()] : []), ...(d.home ? [d.home.getLatLng()] : [])]);
    return points.length ? L.latLngBounds(points) : null;
  }

  /**
   * Drones close together on screen (a squadron at one home point, or seen from far) would draw
   * their labels over one another into an unreadable pile. Each label that would overlap one
   * already placed is moved down below it, the selected drone's first and then top to bottom;
   * a pile deeper than MAX_STACK shows its last label as "+N" (how many more are there). The
   * labels of the other point layers (incidents, a goto's point) stay where they are: a drone's
   * label that would cover one moves down below it too.
   */
  declutter(): void {
    const drawn = [...this.drones.values()].filter((d) => d.onMap);
    // Sizes first (one layout for the whole fleet), then placement; a hidden label keeps the size it last had.
    const container = this.map.getContainer();
    const origin = container.getBoundingClientRect();
    /** how far below its marker's point a drone's label starts (the glyph's half and a gap), measured on one shown */
    let below: number | null = null;
    const boxes = drawn.map((d) => {
      const p = this.map.latLngToContainerPoint(d.marker.getLatLng());
      if (!d.labelBox.hidden) {
        d.labelSize = { w: d.labelBox.offsetWidth, h: d.labelBox.offsetHeight };
        below ??= d.labelBox.getBoundingClientRect().top - origin.top - p.y - (Number.parseFloat(d.labelPlace) || 0);
      }
      return { d, p, ...d.labelSize };
    });
    const first = (d: DroneMarker) => Number(d.root.dataset.droneId === this.selected);
    boxes.sort((a, b) => first(b.d) - first(a.d) || a.p.y - b.p.y || a.p.x - b.p.x);
    interface Placed {
      /** null: another layer's label, which stays put */
      d: DroneMarker | null;
      x: number;
      y: number;
      w: number;
      h: number;
      depth: number;
      more: number;
      from: number;
    }
    const placed: Placed[] = [...container.querySelectorAll<HTMLElement>(OTHER_LABELS)].map((el) => {
      const r = el.getBoundingClientRect();
      return { d: null, x: r.left - origin.left + r.width / 2, y: r.top - origin.top - (below ?? 0), w: r.width, h: r.height, depth: 0, more: 0, from: 0 };
    }).filter((o) => o.w > 0);
    for (const { d, p, w, h } of boxes) {
      let y = p.y;
      let depth = 0;
      let under: Placed | undefined;
      // A label not measured yet (or empty) takes no room.
      while (w > 0 && (under = placed.find((o) => Math.abs(o.x - p.x) < (o.w + w) / 2 && y < o.y + o.h && o.y < y + h))) {
        depth = under.depth + 1;
        if (depth >= MAX_STACK) break;
        y = under.y + under.h + STACK_GAP;
      }
      if (under && depth >= MAX_STACK) {
        // Too deep a pile: counted on its last label instead of drawn.
        under.more++;
        this.placeLabel(d, null, 0);
        continue;
      }
      placed.push({ d, x: p.x, y, w, h, depth, more: 0, from: p.y });
    }
    for (const o of placed) if (o.d) this.placeLabel(o.d, Math.round(o.y - o.from), o.more);
  }

  /** Moves a label down by `stack` px (null: hidden), with "+more" on it; touches the DOM only for a change. */
  private placeLabel(d: DroneMarker, stack: number | null, more: number): void {
    const key = `${stack}|${more}`;
    if (d.labelPlace === key) return;
    d.labelPlace = key;
    const el = d.labelBox;
    el.hidden = stack === null;
    el.style.setProperty('--stack', `${stack ?? 0}px`);
    el.classList.toggle('drone__label--stacked', (stack ?? 0) !== 0);
    if (more) el.dataset.more = `+${more}`;
    else delete el.dataset.more;
  }

  private create(view: VehicleView): DroneMarker {
    const root = document.createElement('div');
    root.className = 'drone';
    root.dataset.droneId = view.id;
    root.innerHTML = `${ICON_SVG}<div class="drone__label"><span class="drone__callsign"></span><span class="drone__info"></span></div>`;
    // iconSize undefined overrides DivIcon's 12 px default: CSS sizes and centres the icon in rem.
    const icon = L.divIcon({ html: root, className: 'drone-icon', iconSize: undefined });
    const marker = L.marker([0, 0], { icon, keyboard: false });
    marker.on('click', () => this.onSelect(view.id));
    const trail = L.polyline([], { interactive: false, lineCap: 'round', lineJoin: 'round' }).addTo(this.map);
    const drone: DroneMarker = {
      marker,
      trail,
      root,
      glyph: root.querySelector('svg')!,
      label: root.querySelector('.drone__callsign')!,
      labelBox: root.querySelector('.drone__label')!,
      labelSize: { w: 0, h: 0 },
      labelPlace: '',
      info: root.querySelector('.drone__info')!,
      home: null,
      homeKey: '',
      points: [],
      last: null,
      onMap: false,
      health: null,
      // NaN equals no reported heading, so the first apply() always sets rotation and data-heading
      heading: Number.NaN,
    };
    this.drones.set(view.id, drone);
    if (view.id === this.selected) root.classList.add('drone--selected');
    return drone;
  }

  private place(drone: DroneMarker, view: VehicleView): void {
    const position = view.position;
    if (!position) {
      // Not a real fix (ArduPilot reports 0,0 before GPS): keep it off the map, the list says so.
      if (drone.onMap) drone.marker.remove();
      drone.onMap = false;
      return;
    }
    const last = drone.last;
    if (!last || last.lat !== position.lat || last.lon !== position.lon) {
      drone.last = { lat: position.lat, lon: position.lon };
      const here = L.latLng(this.projection.toMap(position.lat, position.lon));
      drone.points.push(here);
      if (drone.points.length > TRAIL_LENGTH) drone.points.shift();
      drone.trail.setLatLngs(drone.points);
      drone.marker.setLatLng(here);
      drone.root.dataset.lat = String(position.lat);
      drone.root.dataset.lon = String(position.lon);
    }
    if (!drone.onMap) {
      drone.marker.addTo(this.map);
      drone.onMap = true;
    }
  }

  private placeHome(drone: DroneMarker, view: VehicleView): void {
    const home = view.home;
    const key = home ? `${home.lat},${home.lon}` : '';
    if (key === drone.homeKey) return;
    drone.homeKey = key;
    if (!home) {
      drone.home?.remove();
      drone.home = null;
      return;
    }
    const at = this.projection.toMap(home.lat, home.lon);
    if (drone.home) {
      drone.home.setLatLng(at);
      return;
    }
    const pad = document.createElement('div');
    pad.className = 'home-pad';
    pad.dataset.droneId = view.id;
    pad.textContent = 'H';
    drone.home = L.marker(at, {
      icon: L.divIcon({ html: pad, className: 'home-icon', iconSize: undefined }),
      interactive: false,
      keyboard: false,
      zIndexOffset: -1000,
    }).addTo(this.map);
  }

  private styleTrail(drone: DroneMarker, id: string): void {
    const selected = id === this.selected;
    drone.trail.setStyle({
      color: this.colours[drone.health ?? 'ok'],
      weight: selected ? 5 : 3,
      opacity: selected ? 0.95 : 0.6,
      dashArray: drone.health === 'lost' ? '6 8' : undefined,
    });
  }
}
