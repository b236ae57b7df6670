/** The drone's patrol: where it is on its route, what is left, and the run's latest events. */

import type { RunView } from '../../../server/wire/types.ts';
import { clockTime, distance, duration, num } from '../format.ts';
import { getLocale, t, tOptional, type StringKey } from '../i18n.ts';
import { isRunActive } from '../ops.ts';
import { FieldRow, PanelSection } from '../ui/section.tsx';
import { Said, sayServer } from '../said.tsx';

const EVENTS_SHOWN = 6;

interface Field {
  key: StringKey;
  value: (run: RunView) => string;
  /** shown only when this holds */
  when?: (run: RunView) => boolean;
}

/** Items as the route counts them, whatever the firmware: "2 / 4" is the second of four. */
const fields: Field[] = [
  { key: 'runRoute', value: (r) => (getLocale() === 'zh-CN' ? r.routeName.zh : r.routeName.en) },
  { key: 'runState', value: (r) => runStateText(r) },
  { key: 'runUpload', value: (r) => (r.upload ? `${r.upload.done} / ${r.upload.total}` : '—'), when: (r) => r.upload !== null },
  { key: 'runLeg', value: (r) => (r.leg ? `${r.leg.item} / ${r.leg.of}` : '—'), when: isRunActive },
  { key: 'runLeft', value: (r) => distance(r.distanceLeftM), when: isRunActive },
  { key: 'runEta', value: (r) => duration(r.etaS), when: isRunActive },
  { key: 'runFlown', value: (r) => distance(r.distanceFlownM) },
  { key: 'runAloft', value: (r) => duration(r.timeAloftS) },
  {
    key: 'runBattery',
    value: (r) =>
      `${num(r.battery.percent ?? r.minBattery, 0, '%')}${
        r.battery.trendPerMin === null ? '' : ` (${t('perMinute', { n: r.battery.trendPerMin.toFixed(1) })})`
      }`,
  },
  { key: 'runPilot', value: (r) => r.pilot },
  { key: 'runResult', value: (r) => runResultText(r) ?? '—', when: (r) => r.result !== null },
];

export function runStateText(run: RunView): string {
  return tOptional(`run_${run.state}`, run.state);
}

/** How a run ended, in the page's language; the service's words for a run recorded before it kept the outcome. */
export function runResultText(run: RunView): string | null {
  const o = run.outcome;
  if (!o) return run.result;
  switch (o.kind) {
    case 'completed':
      return t('outcome_completed');
    case 'aborted':
      return t('outcome_aborted');
    case 'failed':
      return t('outcome_failed', { reason: o.said ? sayServer(o.said) : o.reason });
    case 'returned_early':
      return t('outcome_returned_early', { item: o.afterItem, of: o.of, by: t(`returnedBy_${o.by}`) });
  }
}

export function RunProgress({ run }: { run: RunView | undefined }) {
  if (!run) return <PanelSection class='console-progress' title='sectionPatrol' hidden />;
  return (
    <PanelSection class='console-progress' title='sectionPatrol' data-run-state={run.state} data-run-id={String(run.id)} data-ending={run.outcome?.kind ?? ''}>
      <dl class='panel__fields'>
        {fields.map((field) => {
          const shown = field.when?.(run) ?? true;
          return <FieldRow key={field.key} label={field.key} value={shown ? field.value(run) : ''} hidden={!shown} />;
        })}
      </dl>
      {/* Newest first, as the messages below. */}
      <ol class='run-events'>
        {run.events.slice(-EVENTS_SHOWN).reverse().map((event) => (
          <li key={`${event.time}|${event.message}`} class={`run-events__item run-events__item--${event.kind}`}>
            <span class='run-events__time'>{clockTime(event.time)}</span>
            <span class='run-events__text'>
              <Said said={event.said} fallback={event.message} />
            </span>
          </li>
        ))}
      </ol>
    </PanelSection>
  );
}
