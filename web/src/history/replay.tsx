/**
 * Replay of a past run's recorded track (one point a second) on a time slider: the whole track
 * dim, the part flown by the chosen moment bright, the drone where it was then, turned to its
 * heading. Plays at a chosen speed; the slider can be dragged at any time. The incidents of that
 * time are on the map too, each from the moment it was raised (faded once closed), so the flight
 * can be read against what happened on the ground. The run's recorded video, above the bar, shows
 * the same moment (replay-video.tsx). The track, the drone and the incidents are Leaflet layers
 * moved by hand; the bar over the map is drawn by Preact from the moment shown.
 */

import { signal } from '@preact/signals';
import * as L from 'leaflet';
import { render } from 'preact';
import type { GroundAlertView, TrackPoint } from '../../../server/wire/types.ts';
import { clockTime, dateTime, num } from '../format.ts';
import type { Framing } from '../framing.ts';
import { followLanguage, t } from '../i18n.ts';
import type { Projection } from '../projection.ts';
import { ReplayVideo, ReplayVideoView } from './replay-video.tsx';

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

/**
 * What a replay shows: one drone over a span of time, named. A patrol run and a drone sent to a
 * scene are both one; their track and video are read from /api/{runs|gotos}/:id/….
 */
export interface ReplayedFlight {
  kind: 'run' | 'goto';
  id: number;
  vehicleId: string;
  startedAt: number;
  endedAt: number | null;
  /** its name in the bar's title, in the language shown */
  label: () => string;
}

/** where the service keeps a flight's track and video */
export const flightApi = (f: Pick<ReplayedFlight, 'kind' | 'id'>) => `/api/${f.kind}s/${f.id}`;
/** one key for a run or a goto: their ids are counted apart */
export const flightKey = (f: Pick<ReplayedFlight, 'kind' | 'id'>) => `${f.kind}:${f.id}`;

interface Shown {
  flight: ReplayedFlight;
  callsign: string;
  points: number;
  start: number;
  end: number;
  /** incidents open at some moment of the run */
  incidents: number;
}

/** An incident drawn in the replay: raised at createdAt, over at closedAt. */
interface ReplayIncident {
  alert: GroundAlertView;
  marker: L.Marker;
  root: HTMLElement;
}

export class Replay {
  private points: TrackPoint[] = [];
  private readonly track: L.Polyline;
  private readonly flown: L.Polyline;
  private readonly marker: L.Marker;
  private readonly icon: HTMLElement;
  private incidents: ReplayIncident[] = [];
  /** the run replayed (null: none) */
  readonly shown = signal<Shown | null>(null);
  readonly time = signal(0);
  readonly playing = signal(false);
  readonly speed = signal(10);
  /** the run's recorded video, in step with the moment shown */
  readonly video = signal<ReplayVideo | null>(null);
  private lastFrame = 0;

  constructor(
    private readonly map: L.Map,
    renderer: L.Renderer,
    private readonly projection: Projection,
    private readonly bar: HTMLElement,
    /** fits the replay beside the panel and above this bar, not under them */
    private readonly framing?: Framing,
  ) {
    this.track = L.polyline([], { renderer, className: 'replay__track', interactive: false });
    this.flown = L.polyline([], { renderer, className: 'replay__flown', interactive: false });
    this.icon = document.createElement('div');
    this.icon.className = 'replay-drone';
    this.icon.innerHTML =
      '<svg class="drone__glyph" viewBox="-22 -22 44 44" aria-hidden="true"><path class="drone__arrow" d="M0,-18 L13,14 L0,7 L-13,14 Z"/></svg>';
    this.marker = L.marker([0, 0], {
      icon: L.divIcon({ html: this.icon, className: 'drone-icon', iconSize: undefined }),
      interactive: false,
      keyboard: false,
      zIndexOffset: 2000,
    });
    render(<ReplayBar replay={this} />, bar);
    // The incidents' labels are drawn by hand: said again after a language switch.
    followLanguage(() => this.showIncidents(this.time.peek()));
  }

  /** the flight replayed (flightKey), or null */
  get flightKey(): string | null {
    const shown = this.shown.value;
    return shown ? flightKey(shown.flight) : null;
  }

  /** incidents: the ground alerts open at some moment of the flight */
  start(flight: ReplayedFlight, points: TrackPoint[], callsign: string, incidents: GroundAlertView[] = []): void {
    this.stop();
    this.points = points;
    const drawn = points.map((p) => this.projection.toMap(p.lat, p.lon));
    this.track.setLatLngs(drawn).addTo(this.map);
    this.flown.setLatLngs([]).addTo(this.map);
    this.marker.addTo(this.map);
    this.incidents = incidents.map((alert) => this.drawIncident(alert));
    const start = points[0]?.time ?? flight.startedAt;
    const end = points.at(-1)?.time ?? flight.endedAt ?? flight.startedAt;
    this.shown.value = { flight, callsign, points: points.length, start, end, incidents: incidents.length };
    this.bar.hidden = false;
    this.bar.dataset.flight = flightKey(flight);
    this.video.value = new ReplayVideo(flightApi(flight), flight.startedAt);
    const all = [...drawn, ...this.incidents.map((i) => i.marker.getLatLng())];
    this.seek(start);
    if (all.length) {
      if (this.framing) this.framing.fit(L.latLngBounds(all), 18);
      else this.map.fitBounds(L.latLngBounds(all).pad(0.2), { maxZoom: 18 });
    }
  }

  private drawIncident(alert: GroundAlertView): ReplayIncident {
    const root = document.createElement('div');
    root.className = 'replay-incident';
    root.dataset.alertId = String(alert.id);
    root.innerHTML = '<span class="ground-alert__pin">!</span><span class="replay-incident__text"></span>';
    const marker = L.marker(this.projection.toMap(alert.lat, alert.lon), {
      icon: L.divIcon({ html: root, className: 'ground-alert-icon', iconSize: undefined }),
      interactive: false,
      keyboard: false,
      zIndexOffset: 1500,
    }).addTo(this.map);
    return { alert, marker, root };
  }

  /** Each incident as it was at `time`: not yet raised (hidden), open, or closed (faded). */
  private showIncidents(time: number): void {
    for (const { alert, root } of this.incidents) {
      const state = time < alert.createdAt ? 'later' : alert.closedAt !== null && time >= alert.closedAt ? 'closed' : 'open';
      if (root.dataset.state !== state) root.dataset.state = state;
      const label = `${t(`cat_${alert.category}`)} · ${clockTime(alert.createdAt)}`;
      const text = root.lastElementChild!;
      if (text.textContent !== label) text.textContent = label;
    }
  }

  stop(): void {
    this.playing.value = false;
    this.track.remove();
    this.flown.remove();
    this.marker.remove();
    for (const incident of this.incidents) incident.marker.remove();
    this.incidents = [];
    this.video.peek()?.stop();
    this.video.value = null;
    this.bar.hidden = true;
    this.shown.value = null;
  }

  toggle(): void {
    const shown = this.shown.value;
    if (!shown) return;
    this.playing.value = !this.playing.value;
    if (!this.playing.value) {
      this.video.peek()?.follow(this.time.value, false, this.speed.value);
      return;
    }
    if (this.time.value >= shown.end) this.seek(shown.start);
    this.lastFrame = performance.now();
    requestAnimationFrame((now) => this.tick(now));
  }

  private tick(now: number): void {
    const shown = this.shown.value;
    if (!this.playing.value || !shown) return;
    const next = this.time.value + (now - this.lastFrame) * this.speed.value;
    this.lastFrame = now;
    this.seek(Math.min(next, shown.end));
    if (this.time.value >= shown.end) this.toggle();
    else requestAnimationFrame((later) => this.tick(later));
  }

  seek(time: number): void {
    this.time.value = time;
    this.showIncidents(time);
    this.video.peek()?.follow(time, this.playing.peek(), this.speed.peek());
    const at = positionAt(this.points, time);
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

  /** the altitude at the moment shown, for the bar */
  altitudeAt(time: number): number | null | undefined {
    return positionAt(this.points, time)?.altRel;
  }
}

function ReplayBar({ replay }: { replay: Replay }) {
  const shown = replay.shown.value;
  const time = replay.time.value;
  const playing = replay.playing.value;
  const flight = shown?.flight;
  const run = flight?.kind === 'run' ? flight : undefined;
  const video = replay.video.value;
  // read from its state, so the bar is drawn again once the run's files are known
  const hasVideo = video !== null && video.state.value.kind !== 'loading' && video.segments.length > 0;
  return (
    <>
      {video && <ReplayVideoView video={video} />}
      <h3 class='replay__title'>
        {shown && flight && t('replayTitle', {
          route: flight.label(),
          drone: shown.callsign,
          date: dateTime(flight.startedAt),
          n: shown.points,
        })}
      </h3>
      <div class='replay__controls'>
        <button type='button' class='button replay__play' onClick={() => replay.toggle()}>{t(playing ? 'pause' : 'play')}</button>
        {/* Any moment, not whole seconds from the start: recorded points are not on a 1 s grid. */}
        <input
          class='replay__slider'
          type='range'
          step='any'
          min={String(shown?.start ?? 0)}
          max={String(shown?.end ?? 0)}
          value={String(time)}
          onInput={(event) => replay.seek(Number(event.currentTarget.value))}
        />
        <span class='replay__time'>{shown ? `${clockTime(time)} · ${num(replay.altitudeAt(time), 0, 'm')}` : ''}</span>
        <span class='replay__incidents'>{shown ? t('replayIncidents', { n: shown.incidents }) : ''}</span>
        <select class='replay__speed' value={String(replay.speed.value)} onChange={(event) => (replay.speed.value = Number(event.currentTarget.value))}>
          {SPEEDS.map((s) => <option key={s} value={String(s)}>{`×${s}`}</option>)}
        </select>
        {/* GPX and KML are a run's exports; a goto's track is read as JSON only */}
        <a class='button replay__gpx' hidden={!run} href={run ? `/api/runs/${run.id}/track.gpx` : undefined}>GPX</a>
        <a class='button replay__kml' hidden={!run} href={run ? `/api/runs/${run.id}/track.kml` : undefined}>KML</a>
        {hasVideo && <a class='button replay__video-export' href={video.exportHref} download>{t('replayVideoExport')}</a>}
        <button type='button' class='button replay__close' onClick={() => replay.stop()}>{t('close')}</button>
      </div>
    </>
  );
}
