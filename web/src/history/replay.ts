/**
 * Replay of a past run's recorded track (one point a second) on a time slider: the whole track
 * dim, the part flown by the chosen moment bright, the drone where it was then, turned to its
 * heading. Plays at a chosen speed; the slider can be dragged at any time.
 */

import * as L from 'leaflet';
import type { RunView, TrackPoint } from '../../../server/wire/types.ts';
import { button, make, setText } from '../dom.ts';
import { clockTime, dateTime, num } from '../format.ts';
import { getLocale, t, translateStatic } from '../i18n.ts';
import type { Projection } from '../projection.ts';

const SPEEDS = [1, 10, 30, 60];

/** Where the drone was at `time`: between the two recorded points around it. */
export function positionAt(points: TrackPoint[], time: number): { lat: number; lon: number; heading: number | null; altRel: number | null } | null {
  if (points.length === 0) return null;
  let lo = 0;
  let hi = points.length - 1;
  if (time <= points[0]!.time) return points[0]!;
  if (time >= points[hi]!.time) return points[hi]!;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.time <= time) lo = mid;
    else hi = mid;
  }
  const a = points[lo]!;
  const b = points[hi]!;
  const f = (time - a.time) / (b.time - a.time);
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f, heading: b.heading ?? a.heading, altRel: a.altRel };
}

export class Replay {
  private points: TrackPoint[] = [];
  private readonly track: L.Polyline;
  private readonly flown: L.Polyline;
  private readonly marker: L.Marker;
  private readonly icon: HTMLElement;
  private readonly title = make('h3', 'replay__title');
  private readonly play = button('button replay__play', 'play');
  private readonly slider = make('input', 'replay__slider');
  private readonly clock = make('span', 'replay__time');
  private readonly speed = make('select', 'replay__speed');
  private readonly gpx = make('a', 'button replay__gpx', 'GPX');
  private readonly kml = make('a', 'button replay__kml', 'KML');
  private time = 0;
  private playing = false;
  private lastFrame = 0;
  private run: RunView | null = null;

  constructor(
    private readonly map: L.Map,
    renderer: L.Renderer,
    private readonly projection: Projection,
    private readonly bar: HTMLElement,
  ) {
    this.track = L.polyline([], { renderer, className: 'replay__track', interactive: false });
    this.flown = L.polyline([], { renderer, className: 'replay__flown', interactive: false });
    this.icon = document.createElement('div');
    this.icon.className = 'replay-drone';
    this.icon.innerHTML = '<svg class="drone__glyph" viewBox="-22 -22 44 44" aria-hidden="true"><path class="drone__arrow" d="M0,-18 L13,14 L0,7 L-13,14 Z"/></svg>';
    this.marker = L.marker([0, 0], { icon: L.divIcon({ html: this.icon, className: 'drone-icon', iconSize: undefined }), interactive: false, keyboard: false, zIndexOffset: 2000 });
    this.slider.type = 'range';
    // Any moment, not whole seconds from the start: recorded points are not on a 1 s grid.
    this.slider.step = 'any';
    this.speed.append(...SPEEDS.map((s) => Object.assign(make('option', '', `×${s}`), { value: String(s) })));
    this.speed.value = '10';
    const close = button('button replay__close', 'close');
    const controls = make('div', 'replay__controls');
    controls.append(this.play, this.slider, this.clock, this.speed, this.gpx, this.kml, close);
    bar.append(this.title, controls);
    translateStatic(bar);
    this.slider.addEventListener('input', () => this.seek(Number(this.slider.value)));
    this.play.addEventListener('click', () => this.toggle());
    close.addEventListener('click', () => this.stop());
  }

  get runId(): number | null {
    return this.run?.id ?? null;
  }

  start(run: RunView, points: TrackPoint[], callsign: string): void {
    this.stop();
    this.run = run;
    this.points = points;
    const drawn = points.map((p) => this.projection.toMap(p.lat, p.lon));
    this.track.setLatLngs(drawn).addTo(this.map);
    this.flown.setLatLngs([]).addTo(this.map);
    this.marker.addTo(this.map);
    const start = points[0]?.time ?? run.startedAt;
    const end = points.at(-1)?.time ?? run.endedAt ?? run.startedAt;
    this.slider.min = String(start);
    this.slider.max = String(end);
    setText(this.title, t('replayTitle', { route: getLocale() === 'zh-CN' ? run.routeName.zh : run.routeName.en, drone: callsign, date: dateTime(run.startedAt), n: points.length }));
    this.gpx.href = `/api/runs/${run.id}/track.gpx`;
    this.kml.href = `/api/runs/${run.id}/track.kml`;
    this.bar.hidden = false;
    this.bar.dataset.runId = String(run.id);
    if (drawn.length) this.map.fitBounds(L.latLngBounds(drawn).pad(0.2), { maxZoom: 18 });
    this.seek(start);
  }

  stop(): void {
    this.playing = false;
    this.track.remove();
    this.flown.remove();
    this.marker.remove();
    this.bar.hidden = true;
    this.run = null;
  }

  private toggle(): void {
    this.playing = !this.playing;
    this.play.dataset.i18n = this.playing ? 'pause' : 'play';
    this.play.textContent = t(this.playing ? 'pause' : 'play');
    if (!this.playing) return;
    if (this.time >= Number(this.slider.max)) this.seek(Number(this.slider.min));
    this.lastFrame = performance.now();
    requestAnimationFrame((now) => this.tick(now));
  }

  private tick(now: number): void {
    if (!this.playing || !this.run) return;
    const next = this.time + (now - this.lastFrame) * Number(this.speed.value);
    this.lastFrame = now;
    this.seek(Math.min(next, Number(this.slider.max)));
    if (this.time >= Number(this.slider.max)) this.toggle();
    else requestAnimationFrame((later) => this.tick(later));
  }

  private seek(time: number): void {
    this.time = time;
    this.slider.value = String(time);
    const at = positionAt(this.points, time);
    setText(this.clock, `${clockTime(time)} · ${num(at?.altRel, 0, 'm')}`);
    if (!at) return;
    this.marker.setLatLng(this.projection.toMap(at.lat, at.lon));
    this.icon.dataset.lat = String(at.lat);
    this.icon.dataset.lon = String(at.lon);
    this.icon.dataset.time = String(Math.round(time));
    (this.icon.firstElementChild as SVGElement).style.transform = `rotate(${at.heading ?? 0}deg)`;
    const flown = this.points.filter((p) => p.time <= time).map((p) => this.projection.toMap(p.lat, p.lon));
    flown.push(this.projection.toMap(at.lat, at.lon));
    this.flown.setLatLngs(flown);
  }
}
