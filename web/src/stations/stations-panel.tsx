/**
 * The stations tab (各所概况), for the city's people (情指中心): each station of the city with what
 * it has under way — drones heard and flying, patrols in the air, incidents open in its area, its
 * officers on duty — and the node serving it. Read again every few seconds while the tab is open;
 * a station's name takes the map to its area. Drawn by Preact from the directory's last answer.
 */

import { render } from 'preact';
import type { StationSummary } from '../../../server/wire/types.ts';
import { Outcome, OutcomeLine } from '../console/outcome.tsx';
import { clockTime } from '../format.ts';
import { t } from '../i18n.ts';
import { reasonOf } from '../live.ts';
import { FieldRow } from '../ui/section.tsx';
import type { StationDirectory } from './directory.ts';
import './stations.css';

/** While the tab is open the list is read this often: drones take off, patrols end, officers come on duty. */
export const STATIONS_REFRESH_MS = 5000;

export interface StationsPanelDeps {
  directory: StationDirectory;
  /** show the station's area on the map */
  focus(station: StationSummary): void;
}

/** "SB-2" before "SB-10", and names in the page's order whatever order the nodes answered in. */
const collator = new Intl.Collator(undefined, { numeric: true });

export class StationsPanel {
  readonly outcome = new Outcome();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    root: HTMLElement,
    readonly deps: StationsPanelDeps,
  ) {
    render(<StationsView panel={this} />, root);
  }

  /** The tab was opened: the list is read now and while it stays open. */
  shown(): void {
    void this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), STATIONS_REFRESH_MS);
  }

  hidden(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async refresh(): Promise<void> {
    try {
      await this.deps.directory.refresh();
      this.outcome.clear();
    } catch (error) {
      // The last list stays on screen, under the line saying it is not current.
      this.outcome.show('error', 'stationsLoadFailed', { reason: reasonOf(error) });
    }
  }
}

/** A station's name as the tab shows it: its own, else its id; the unnamed station of a lone server is "this station". */
export function stationTitle(s: StationSummary, directory: StationDirectory): string {
  return directory.label(s.id) || t('stationOwn');
}

function StationCard({ station: s, panel }: { station: StationSummary; panel: StationsPanel }) {
  const title = stationTitle(s, panel.deps.directory);
  return (
    <li class={s.silent ? 'station-card station-card--silent' : 'station-card'} data-station-id={s.id} data-silent={s.silent}>
      <div class='station-card__head'>
        <button type='button' class='station-card__name' title={t('stationShowOnMap')} onClick={() => panel.deps.focus(s)}>{title}</button>
        {title !== s.id && <code class='station-card__id'>{s.id}</code>}
      </div>
      <dl class='panel__fields station-card__fields'>
        <FieldRow label='stationDrones' value={String(s.drones)} />
        <FieldRow label='stationDronesUp' value={String(s.dronesUp)} />
        <FieldRow label='stationPatrols' value={String(s.patrolsRunning)} />
        <FieldRow label='stationIncidents' value={String(s.openIncidents)} alert={s.openIncidents > 0} />
        <FieldRow label='stationOfficers' value={String(s.officersOnDuty)} />
        <FieldRow
          label='stationNode'
          value={s.node === null ? t('stationNodeAlone') : s.silent ? t('stationNodeSilent', { node: s.node }) : s.node}
          alert={s.silent}
        />
      </dl>
    </li>
  );
}

export function StationsView({ panel }: { panel: StationsPanel }) {
  const { directory } = panel.deps;
  const list = directory.list.value;
  const readAt = directory.readAt.value;
  const sorted = list && [...list].sort((a, b) => collator.compare(stationTitle(a, directory), stationTitle(b, directory)));
  return (
    <section class='stations'>
      <h2 class='sidebar__title'>{t('stationsTitle')}</h2>
      <p class='sidebar__hint'>{t('stationsHint', { s: STATIONS_REFRESH_MS / 1000 })}</p>
      <OutcomeLine outcome={panel.outcome} class='stations__outcome' />
      {readAt !== null && <p class='stations__read-at' data-read-at={readAt}>{t('stationsReadAt', { time: clockTime(readAt) })}</p>}
      <ol class='stations__list'>
        {sorted?.length ?
          sorted.map((s) => <StationCard key={s.id} station={s} panel={panel} />) :
          list && <li class='sidebar__empty'>{t('stationsNone')}</li>}
      </ol>
    </section>
  );
}
