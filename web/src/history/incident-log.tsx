/**
 * The history's incident log: the incidents of the period, filtered by category, outcome and the
 * officer who took them, each opening onto its timeline (raised, offered, delivered, accepted, en
 * route, on scene, resolved, closed) with the time of each step and how long after it was raised;
 * and a link that downloads the same selection as a spreadsheet. The heat map draws the same
 * selection (history-panel.tsx asks GET /api/alerts/heat with `query()` and INCIDENT_LIMIT).
 */

import { signal } from '@preact/signals';
import { GROUND_CATEGORIES, INCIDENT_OUTCOMES, INCIDENT_STEPS, type IncidentLogEntry, type NotAppliedAnswer } from '../../../server/wire/types.ts';
import { categoryName, groundStateName } from '../alerts/ground-markers.ts';
import { outcomeName } from '../alerts/outcome-names.ts';
import { clockTime, dateTime, duration } from '../format.ts';
import { getLocale, t, type StringKey } from '../i18n.ts';
import { requestJson } from '../live.ts';
import './incidents.css';

export interface IncidentFilters {
  category: string;
  outcome: string;
  officer: string;
}

const NO_FILTER: IncidentFilters = { category: '', outcome: '', officer: '' };
/** The most incidents the log lists (the service's own cap), and so the heat map draws. */
export const INCIDENT_LIMIT = 10_000;

export class IncidentLog {
  readonly filters = signal<IncidentFilters>(NO_FILTER);
  /** the incidents of the period and filters, once read */
  readonly entries = signal<IncidentLogEntry[] | null>(null);
  /** every officer seen in a log read so far: the officer filter's choices */
  readonly officers = signal<string[]>([]);

  /** The query of a period with the filters chosen (empty ones left out). */
  query(period: { from: number; to: number }): URLSearchParams {
    const q = new URLSearchParams({ from: String(period.from), to: String(period.to) });
    for (const [key, value] of Object.entries(this.filters.value)) if (value) q.set(key, value);
    return q;
  }

  async load(period: { from: number; to: number }): Promise<IncidentLogEntry[]> {
    const entries = await requestJson<IncidentLogEntry[]>('GET', `/api/alerts/log?${this.query(period)}&limit=${INCIDENT_LIMIT}`);
    this.entries.value = entries;
    const seen = new Set([...this.officers.value, ...entries.map((e) => e.officer).filter((o): o is string => o !== null)]);
    this.officers.value = [...seen].sort((a, b) => a.localeCompare(b));
    return entries;
  }

  /** The spreadsheet of the same selection: headers in the page's language, times in the browser's time zone. */
  csvHref(period: { from: number; to: number }): string {
    const q = this.query(period);
    q.set('lang', getLocale());
    q.set('tz', Intl.DateTimeFormat().resolvedOptions().timeZone);
    return `/api/alerts/ground.csv?${q}`;
  }
}

function Filter({ name, label, value, all, choices, onPick }: {
  name: keyof IncidentFilters;
  label: string;
  value: string;
  all: string;
  choices: [string, string][];
  onPick: (name: keyof IncidentFilters, value: string) => void;
}) {
  return (
    <label class='field'>
      <span>{label}</span>
      <select class={`incident-filter incident-filter--${name}`} value={value} onChange={(event) => onPick(name, event.currentTarget.value)}>
        <option value=''>{all}</option>
        {choices.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </label>
  );
}

export function IncidentFiltersView({ log, onChange }: { log: IncidentLog; onChange: () => void }) {
  const f = log.filters.value;
  const pick = (name: keyof IncidentFilters, value: string) => {
    log.filters.value = { ...log.filters.value, [name]: value };
    onChange();
  };
  const officers = f.officer && !log.officers.value.includes(f.officer) ? [...log.officers.value, f.officer] : log.officers.value;
  return (
    <div class='incident-filters'>
      <Filter
        name='category'
        label={t('filterCategory')}
        value={f.category}
        all={t('allCategories')}
        onPick={pick}
        choices={GROUND_CATEGORIES.map((c) => [c, categoryName(c)])}
      />
      <Filter
        name='outcome'
        label={t('filterOutcome')}
        value={f.outcome}
        all={t('allOutcomes')}
        onPick={pick}
        choices={[...INCIDENT_OUTCOMES.map((o): [string, string] => [o, outcomeName(o)]), ['none', t('outcomeNone')]]}
      />
      <Filter name='officer' label={t('filterOfficer')} value={f.officer} all={t('allOfficers')} onPick={pick} choices={officers.map((o) => [o, o])} />
    </div>
  );
}

function Timeline({ entry }: { entry: IncidentLogEntry }) {
  const raised = entry.timeline.raised!;
  return (
    <ol class='incident-timeline'>
      {INCIDENT_STEPS.filter((step) => entry.timeline[step] !== null).map((step) => {
        const at = entry.timeline[step]!;
        return (
          <li key={step} class='incident-timeline__step' data-step={step} data-time={String(at)}>
            <span class='incident-timeline__name'>{t(`step_${step}`)}</span>
            <span class='incident-timeline__time'>{clockTime(at)}</span>
            <span class='incident-timeline__after'>{step === 'raised' ? '' : t('stepAfter', { time: duration((at - raised) / 1000) })}</span>
          </li>
        );
      })}
    </ol>
  );
}

/** Why the service kept an officer's answer without applying it, in the page's words when it sent a code. */
function notAppliedReason(n: NotAppliedAnswer): string {
  if (n.code === 'answer_reassigned') return t('late_reassigned', { to: n.params.to ?? '' });
  if (n.code === 'answer_taken') return t('late_taken', { by: n.params.by ?? '' });
  if (n.code === 'answer_out_of_order' && n.params.state) return t('late_state', { state: t(`job_${n.params.state}` as StringKey) });
  return n.reason;
}

/** Answers made offline that arrived too late (e.g. "on scene" after a reassignment): kept in the story, not applied. */
function NotApplied({ entry }: { entry: IncidentLogEntry }) {
  if (entry.notApplied.length === 0) return null;
  return (
    <div class='incident-row__not-applied'>
      <p class='incident-row__not-applied-title'>{t('notAppliedTitle')}</p>
      <ul>
        {entry.notApplied.map((n) => (
          <li key={`${n.officer}@${n.at}@${n.answer}`} data-officer={n.officer} data-answer={n.answer} data-time={String(n.at)}>
            {t('notAppliedLine', { officer: n.officer, answer: t(`reply_${n.answer}`), time: clockTime(n.at), reason: notAppliedReason(n) })}
          </li>
        ))}
      </ul>
    </div>
  );
}

function IncidentRow({ entry }: { entry: IncidentLogEntry }) {
  const outcome = entry.outcome;
  return (
    <li>
      <details class={`incident-row incident-row--${entry.state}`} data-incident-id={String(entry.id)}>
        <summary>
          <span class='incident-row__title'>{`${entry.number} ${categoryName(entry.category)}`}</span>
          <span class='incident-row__when'>{dateTime(entry.timeline.raised!)}</span>
          <span class='incident-row__outcome'>{outcome ? outcomeName(outcome.code) : groundStateName(entry.state)}</span>
          <span class='incident-row__officer'>{entry.officer ? t('incidentOfficer', { officer: entry.officer }) : t('noOfficerTook')}</span>
        </summary>
        {entry.note && <p class='incident-row__note'>{entry.note}</p>}
        <Timeline entry={entry} />
        <NotApplied entry={entry} />
        {outcome && (
          <p class='incident-row__result'>
            {`${t('outcomeByOfficer', { officer: outcome.by, outcome: outcomeName(outcome.code) })}`}
            {outcome.note && <span class='incident-row__outcome-note'>{outcome.note}</span>}
          </p>
        )}
      </details>
    </li>
  );
}

export function IncidentListView({ log, csvHref }: { log: IncidentLog; csvHref: string }) {
  const entries = log.entries.value;
  return (
    <>
      <div class='incident-log__bar'>
        <span class='incident-log__count'>{entries ? t('incidentCount', { n: entries.length }) : ''}</span>
        <a class='button incident-log__csv' href={csvHref} download>{t('exportCsv')}</a>
      </div>
      <ol class='incident-list'>
        {entries?.length ? entries.map((e) => <IncidentRow key={e.id} entry={e} />) : entries && <li class='alert-list__empty'>{t('noIncidents')}</li>}
      </ol>
    </>
  );
}
