/**
 * The history tab: past patrol runs over a chosen period, each replayable on the map, and a heat
 * map of the ground alerts raised over that period.
 */

import * as L from 'leaflet';
import type { GroundAlertView, RunView, TrackPoint } from '../../../server/wire/types.ts';
import { OutcomeLine } from '../console/outcome.ts';
import { runStateText } from '../console/progress.tsx';
import { button, make, setText } from '../dom.ts';
import { dateTime, distance, duration } from '../format.ts';
import { getLocale, t, translateStatic } from '../i18n.ts';
import { reasonOf, requestJson } from '../live.ts';
import type { Projection } from '../projection.ts';
import { HeatLayer } from './heat-layer.ts';
import type { Replay } from './replay.ts';

const DAY_MS = 24 * 3600 * 1000;
const DEFAULT_DAYS = 7;

export interface HistoryDeps {
  map: L.Map;
  projection: Projection;
  replay: Replay;
  callsign(vehicleId: string): string;
}

/** yyyy-mm-dd in local time, as a date input holds it */
function dayValue(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export class HistoryPanel {
  private readonly from = make('input', 'history__from');
  private readonly to = make('input', 'history__to');
  private readonly runs = make('ol', 'run-list');
  private readonly heatToggle = button('button history__heat', 'showHeat');
  private readonly heatCount = make('p', 'history__heat-count');
  private readonly outcome = new OutcomeLine();
  private heat: HeatLayer | null = null;
  private loaded: RunView[] = [];

  constructor(
    root: HTMLElement,
    private readonly deps: HistoryDeps,
  ) {
    this.from.type = this.to.type = 'date';
    this.from.value = dayValue(Date.now() - DEFAULT_DAYS * DAY_MS);
    this.to.value = dayValue(Date.now());
    const period = make('div', 'history__period');
    const label = (key: 'periodFrom' | 'periodTo', input: HTMLInputElement) => {
      const el = make('label', 'field');
      const text = make('span', '');
      text.dataset.i18n = key;
      el.append(text, input);
      return el;
    };
    const load = button('button button--primary history__load', 'showPeriod');
    period.append(label('periodFrom', this.from), label('periodTo', this.to), load);
    const runsTitle = make('h3', 'sidebar__subtitle');
    runsTitle.dataset.i18n = 'pastRuns';
    const heatTitle = make('h3', 'sidebar__subtitle');
    heatTitle.dataset.i18n = 'alertHeat';
    root.append(period, this.outcome.element, heatTitle, this.heatToggle, this.heatCount, runsTitle, this.runs);
    translateStatic(root);
    load.addEventListener('click', () => void this.load());
    this.heatToggle.addEventListener('click', () => void this.toggleHeat());
    this.runs.addEventListener('click', (event) => {
      const row = (event.target as Element).closest<HTMLElement>('[data-run-id]');
      if (row) void this.replay(Number(row.dataset.runId));
    });
  }

  /** The tab was opened: the list is read on first view and on request, not on every visit. */
  shown(): void {
    if (this.loaded.length === 0) void this.load();
  }

  relabel(): void {
    this.drawRuns();
  }

  private period(): { from: number; to: number } {
    const from = new Date(`${this.from.value}T00:00`).getTime();
    const to = new Date(`${this.to.value}T00:00`).getTime() + DAY_MS - 1;
    return { from: Number.isFinite(from) ? from : Date.now() - DEFAULT_DAYS * DAY_MS, to: Number.isFinite(to) ? to : Date.now() };
  }

  private async load(): Promise<void> {
    const { from, to } = this.period();
    this.outcome.clear();
    try {
      this.loaded = await requestJson<RunView[]>('GET', `/api/runs?from=${from}&to=${to}&limit=500`);
      this.drawRuns();
      if (this.heat) await this.showHeat();
    } catch (error) {
      this.outcome.show('error', () => t('historyFailed', { reason: reasonOf(error) }));
    }
  }

  private drawRuns(): void {
    if (this.loaded.length === 0) {
      this.runs.replaceChildren(make('li', 'alert-list__empty', t('noRuns')));
      return;
    }
    this.runs.replaceChildren(...this.loaded.map((run) => {
      const item = make('li', '');
      const row = make('button', `run-row run-row--${run.state}${run.id === this.deps.replay.runId ? ' run-row--selected' : ''}`);
      row.type = 'button';
      row.dataset.runId = String(run.id);
      const name = getLocale() === 'zh-CN' ? run.routeName.zh : run.routeName.en;
      const length = run.endedAt ? duration((run.endedAt - run.startedAt) / 1000) : runStateText(run);
      row.append(
        make('span', 'run-row__when', `${dateTime(run.startedAt)} · ${this.deps.callsign(run.vehicleId)}`),
        make('span', 'run-row__name', name),
        make('span', 'run-row__facts', `${run.pilot} · ${distance(run.distanceFlownM)} · ${length}`),
        make('span', 'run-row__result', run.result ?? runStateText(run)),
      );
      item.append(row);
      return item;
    }));
  }

  private async replay(id: number): Promise<void> {
    const run = this.loaded.find((r) => r.id === id);
    if (!run) return;
    try {
      const points = await requestJson<TrackPoint[]>('GET', `/api/runs/${id}/track`);
      this.deps.replay.start(run, points, this.deps.callsign(run.vehicleId));
      this.drawRuns();
      if (points.length === 0) this.outcome.show('error', () => t('noTrack'));
    } catch (error) {
      this.outcome.show('error', () => t('historyFailed', { reason: reasonOf(error) }));
    }
  }

  private async toggleHeat(): Promise<void> {
    if (this.heat) {
      this.heat.remove();
      this.heat = null;
      this.heatToggle.dataset.i18n = 'showHeat';
      setText(this.heatToggle, t('showHeat'));
      setText(this.heatCount, '');
      return;
    }
    await this.showHeat();
  }

  private async showHeat(): Promise<void> {
    const { from, to } = this.period();
    try {
      const alerts = await requestJson<GroundAlertView[]>('GET', `/api/alerts?from=${from}&to=${to}&limit=10000`);
      const points = alerts.map((a) => L.latLng(this.deps.projection.toMap(a.lat, a.lon)));
      if (this.heat) this.heat.setPoints(points);
      else this.heat = new HeatLayer(points).addTo(this.deps.map);
      this.heatToggle.dataset.i18n = 'hideHeat';
      setText(this.heatToggle, t('hideHeat'));
      setText(this.heatCount, t('heatCount', { n: alerts.length, from: this.from.value, to: this.to.value }));
      if (points.length) this.deps.map.fitBounds(L.latLngBounds(points).pad(0.3), { maxZoom: 16 });
    } catch (error) {
      this.outcome.show('error', () => t('historyFailed', { reason: reasonOf(error) }));
    }
  }
}
