/**
 * The history tab: past patrol runs and drones sent to a scene (gotos) over a chosen period, each
 * replayable on the map with its recorded video (the same replay: replay.tsx), and a heat
 * map of the ground alerts raised over that period. Drawn by Preact from the period, the runs
 * read for it, the heat map's count and the run replayed.
 */

import { signal } from '@preact/signals';
import * as L from 'leaflet';
import { render } from 'preact';
import type { GotoHistoryView, GroundAlertView, HeatPoint, RunView, TrackPoint } from '../../../server/wire/types.ts';
import { Outcome, OutcomeLine } from '../console/outcome.tsx';
import { runResultText, runStateText } from '../console/progress.tsx';
import { clockTime, dateTime, distance, duration, num } from '../format.ts';
import { getLocale, t, type StringKey } from '../i18n.ts';
import { reasonSaid, requestJson } from '../live.ts';
import type { Projection } from '../projection.ts';
import { HEAT_STOPS, HeatLayer } from './heat-layer.ts';
import { INCIDENT_LIMIT, IncidentFiltersView, IncidentListView, IncidentLog } from './incident-log.tsx';
import { flightApi, flightKey, type Replay, type ReplayedFlight } from './replay.tsx';
import { Said } from '../said.tsx';

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
  readonly from = signal(dayValue(Date.now() - DEFAULT_DAYS * DAY_MS));
  readonly to = signal(dayValue(Date.now()));
  /** the runs of the period, once read */
  readonly runs = signal<RunView[] | null>(null);
  /** the drones sent to a scene in the period, once read */
  readonly gotos = signal<GotoHistoryView[] | null>(null);
  /** the heat map shown: how many alerts, over which days (null: hidden) */
  readonly heat = signal<{ n: number; from: string; to: string } | null>(null);
  readonly outcome = new Outcome();
  /** the incident log, whose filters the heat map follows too */
  readonly incidents = new IncidentLog();
  private layer: HeatLayer | null = null;

  constructor(
    root: HTMLElement,
    readonly deps: HistoryDeps,
  ) {
    render(<HistoryView panel={this} />, root);
  }

  /** The tab was opened: the list is read on first view and on request, not on every visit. */
  shown(): void {
    if (!this.runs.value?.length) void this.load();
  }

  private period(): { from: number; to: number } {
    const from = new Date(`${this.from.value}T00:00`).getTime();
    const to = new Date(`${this.to.value}T00:00`).getTime() + DAY_MS - 1;
    return { from: Number.isFinite(from) ? from : Date.now() - DEFAULT_DAYS * DAY_MS, to: Number.isFinite(to) ? to : Date.now() };
  }

  async load(): Promise<void> {
    const { from, to } = this.period();
    this.outcome.clear();
    try {
      const [runs, gotos] = await Promise.all([
        requestJson<RunView[]>('GET', `/api/runs?from=${from}&to=${to}&limit=500`),
        requestJson<GotoHistoryView[]>('GET', `/api/gotos/history?from=${from}&to=${to}&limit=500`),
      ]);
      this.runs.value = runs;
      this.gotos.value = gotos;
      await this.loadIncidents();
    } catch (error) {
      this.outcome.show('error', 'historyFailed', { reason: reasonSaid(error) });
    }
  }

  /** The incident log of the period and filters, and the heat map with it when shown. */
  async loadIncidents(): Promise<void> {
    try {
      await Promise.all([this.incidents.load(this.period()), this.layer ? this.showHeat() : undefined]);
    } catch (error) {
      this.outcome.show('error', 'historyFailed', { reason: reasonSaid(error) });
    }
  }

  csvHref(): string {
    return this.incidents.csvHref(this.period());
  }

  /** A patrol run or a goto, replayed alike: its drone's track over its time, the incidents then, its video. */
  async replay(flight: ReplayedFlight): Promise<void> {
    try {
      const end = flight.endedAt ?? Date.now();
      const [points, alerts] = await Promise.all([
        requestJson<TrackPoint[]>('GET', `${flightApi(flight)}/track`),
        // Incidents raised up to a day before may still have been open during the flight.
        requestJson<GroundAlertView[]>('GET', `/api/alerts?from=${flight.startedAt - DAY_MS}&to=${end}&limit=10000`),
      ]);
      const during = alerts.filter((a) => a.createdAt <= end && (a.closedAt === null || a.closedAt >= flight.startedAt));
      this.deps.replay.start(flight, points, this.deps.callsign(flight.vehicleId), during);
      if (points.length === 0) this.outcome.show('error', 'noTrack');
    } catch (error) {
      this.outcome.show('error', 'historyFailed', { reason: reasonSaid(error) });
    }
  }

  async toggleHeat(): Promise<void> {
    if (this.layer) {
      this.layer.remove();
      this.layer = null;
      this.heat.value = null;
      return;
    }
    await this.showHeat();
  }

  private async showHeat(): Promise<void> {
    try {
      // The incidents the log lists, with its filters and limit: what the map shows is what the list
      // says. Their positions only: the log's answer carries every event of each.
      const alerts = await requestJson<HeatPoint[]>('GET', `/api/alerts/heat?${this.incidents.query(this.period())}&limit=${INCIDENT_LIMIT}`);
      const points = alerts.map((a) => L.latLng(this.deps.projection.toMap(a.lat, a.lon)));
      if (this.layer) this.layer.setPoints(points);
      else this.layer = new HeatLayer(points).addTo(this.deps.map);
      this.heat.value = { n: alerts.length, from: this.from.value, to: this.to.value };
      if (points.length) this.deps.map.fitBounds(L.latLngBounds(points).pad(0.3), { maxZoom: 16 });
    } catch (error) {
      this.outcome.show('error', 'historyFailed', { reason: reasonSaid(error) });
    }
  }
}

/** How a run ended, for its colour: completed green, returned early amber, aborted or failed red. */
export function runEnding(run: RunView): string {
  if (run.outcome) return run.outcome.kind;
  // Recorded before the outcome was kept: its state says as much as is known.
  return run.state === 'landed' ? 'landed' : run.state;
}

/** A run as the replay takes it: named by its route. */
export const runFlight = (run: RunView): ReplayedFlight => ({
  kind: 'run',
  id: run.id,
  vehicleId: run.vehicleId,
  startedAt: run.startedAt,
  endedAt: run.endedAt,
  label: () => (getLocale() === 'zh-CN' ? run.routeName.zh : run.routeName.en),
});

/** What a goto served: its incident's number, or a point picked on the map. */
const gotoName = (g: GotoHistoryView) => (g.incidentNumber !== null ? t('gotoForIncident', { number: g.incidentNumber }) : t('gotoToPoint'));

/** A goto as the replay takes it: named by the incident it served. */
export const gotoFlight = (g: GotoHistoryView): ReplayedFlight => ({
  kind: 'goto',
  id: g.id,
  vehicleId: g.vehicleId,
  startedAt: g.startedAt,
  endedAt: g.endedAt,
  label: () => gotoName(g),
});

function GotoRow({ g, selected, callsign, onPick }: { g: GotoHistoryView; selected: boolean; callsign: string; onPick: () => void }) {
  const state = t(`goto_${g.state}` as StringKey);
  return (
    <li>
      <button
        type='button'
        class={`run-row goto-row goto-row--${g.state}${selected ? ' run-row--selected' : ''}`}
        data-goto-id={String(g.id)}
        data-incident={g.incidentNumber ?? ''}
        onClick={onPick}
      >
        <span class='run-row__when'>{`${dateTime(g.startedAt)} · ${callsign}`}</span>
        <span class='run-row__name goto-row__name'>{gotoName(g)}</span>
        <span class='run-row__facts'>{`${g.pilot} · ${g.endedAt ? duration((g.endedAt - g.startedAt) / 1000) : state}`}</span>
        <span class='run-row__result goto-row__state'>{state}</span>
      </button>
    </li>
  );
}

/** The picked run's record: its highest altitude, lowest battery and every event, oldest first. */
function RunDetails({ run }: { run: RunView }) {
  return (
    <div class='run-details' data-run-id={String(run.id)}>
      <dl class='run-details__figures'>
        <dt>{t('runMaxAlt')}</dt>
        <dd class='run-details__max-alt'>{num(run.maxAltM, 1, 'm')}</dd>
        <dt>{t('runMinBattery')}</dt>
        <dd class='run-details__min-battery'>{num(run.minBattery, 0, '%')}</dd>
      </dl>
      <h4 class='run-details__title'>{t('runEventsTitle')}</h4>
      <ol class='run-events run-details__events'>
        {run.events.map((event) => (
          <li key={`${event.time}|${event.kind}|${event.message}`} class={`run-events__item run-events__item--${event.kind}`}>
            <span class='run-events__time'>{clockTime(event.time)}</span>
            <span class='run-events__text'>
              <Said said={event.said} fallback={event.message} />
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}

function RunRow({ run, selected, callsign, onPick }: { run: RunView; selected: boolean; callsign: string; onPick: () => void }) {
  const length = run.endedAt ? duration((run.endedAt - run.startedAt) / 1000) : runStateText(run);
  return (
    <li>
      <button
        type='button'
        class={`run-row run-row--${run.state} run-row--ended-${runEnding(run)}${selected ? ' run-row--selected' : ''}`}
        data-run-id={String(run.id)}
        data-ending={runEnding(run)}
        onClick={onPick}
      >
        <span class='run-row__when'>{`${dateTime(run.startedAt)} · ${callsign}`}</span>
        <span class='run-row__name'>{getLocale() === 'zh-CN' ? run.routeName.zh : run.routeName.en}</span>
        <span class='run-row__facts'>{`${run.pilot} · ${distance(run.distanceFlownM)} · ${length}`}</span>
        <span class='run-row__result'>{runResultText(run) ?? runStateText(run)}</span>
      </button>
      {selected && <RunDetails run={run} />}
    </li>
  );
}

function HistoryView({ panel }: { panel: HistoryPanel }) {
  const runs = panel.runs.value;
  const heat = panel.heat.value;
  const gotos = panel.gotos.value;
  const replayed = panel.deps.replay.flightKey;
  return (
    <>
      <div class='history__period'>
        <label class='field'>
          <span>{t('periodFrom')}</span>
          <input class='history__from' type='date' value={panel.from.value} onInput={(event) => (panel.from.value = event.currentTarget.value)} />
        </label>
        <label class='field'>
          <span>{t('periodTo')}</span>
          <input class='history__to' type='date' value={panel.to.value} onInput={(event) => (panel.to.value = event.currentTarget.value)} />
        </label>
        <button type='button' class='button button--primary history__load' onClick={() => void panel.load()}>{t('showPeriod')}</button>
      </div>
      <OutcomeLine outcome={panel.outcome} />
      <h3 class='sidebar__subtitle'>{t('alertHeat')}</h3>
      <button type='button' class='button history__heat' onClick={() => void panel.toggleHeat()}>{t(heat ? 'hideHeat' : 'showHeat')}</button>
      <p class='history__heat-count'>{heat ? t('heatCount', heat) : ''}</p>
      {heat && (
        <div class='heat-legend'>
          <span class='heat-legend__few'>{t('heatLegendFew')}</span>
          <span
            class='heat-legend__bar'
            style={{ background: `linear-gradient(to right, transparent, ${HEAT_STOPS.map(([at, colour]) => `${colour} ${at * 100}%`).join(', ')})` }}
          />
          <span class='heat-legend__many'>{t('heatLegendMany')}</span>
        </div>
      )}
      <h3 class='sidebar__subtitle'>{t('incidentLog')}</h3>
      <IncidentFiltersView log={panel.incidents} onChange={() => void panel.loadIncidents()} />
      <IncidentListView log={panel.incidents} csvHref={panel.csvHref()} />
      <h3 class='sidebar__subtitle'>{t('pastRuns')}</h3>
      <ol class='run-list'>
        {runs?.length ?
          runs.map((run) => (
            <RunRow
              key={run.id}
              run={run}
              selected={flightKey(runFlight(run)) === replayed}
              callsign={panel.deps.callsign(run.vehicleId)}
              onPick={() => void panel.replay(runFlight(run))}
            />
          )) :
          runs && <li class='alert-list__empty'>{t('noRuns')}</li>}
      </ol>
      <h3 class='sidebar__subtitle'>{t('pastGotos')}</h3>
      <ol class='run-list goto-list'>
        {gotos?.length ?
          gotos.map((g) => (
            <GotoRow
              key={g.id}
              g={g}
              selected={flightKey(gotoFlight(g)) === replayed}
              callsign={panel.deps.callsign(g.vehicleId)}
              onPick={() => void panel.replay(gotoFlight(g))}
            />
          )) :
          gotos && <li class='alert-list__empty'>{t('noGotos')}</li>}
      </ol>
    </>
  );
}
