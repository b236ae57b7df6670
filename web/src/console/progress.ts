/** The drone's patrol: where it is on its route, what is left, and the run's latest events. */

import type { RunView } from '../../../server/wire/types.ts';
import { fieldRow, make, setHidden, setText, titledSection } from '../dom.ts';
import { clockTime, distance, duration, num } from '../format.ts';
import { getLocale, t, tOptional, type StringKey } from '../i18n.ts';
import { isRunActive } from '../ops.ts';

const EVENTS_SHOWN = 6;

interface Field {
  key: StringKey;
  value: (run: RunView) => string;
  /** shown only when this holds */
  when?: (run: RunView) => boolean;
}

/** The autopilot counts items from 1 on ArduPilot (0 is home): "2 / 4" is the second of four. */
const fields: Field[] = [
  { key: 'runRoute', value: (r) => (getLocale() === 'zh-CN' ? r.routeName.zh : r.routeName.en) },
  { key: 'runState', value: (r) => runStateText(r) },
  { key: 'runUpload', value: (r) => (r.upload ? `${r.upload.done} / ${r.upload.total}` : '—'), when: (r) => r.upload !== null },
  { key: 'runLeg', value: (r) => (r.leg ? `${r.leg.seq} / ${r.leg.total - 1}` : '—'), when: isRunActive },
  { key: 'runLeft', value: (r) => distance(r.distanceLeftM), when: isRunActive },
  { key: 'runEta', value: (r) => duration(r.etaS), when: isRunActive },
  { key: 'runFlown', value: (r) => distance(r.distanceFlownM) },
  { key: 'runAloft', value: (r) => duration(r.timeAloftS) },
  {
    key: 'runBattery',
    value: (r) => `${num(r.battery.percent ?? r.minBattery, 0, '%')}${r.battery.trendPerMin === null ? '' : ` (${t('perMinute', { n: r.battery.trendPerMin.toFixed(1) })})`}`,
  },
  { key: 'runPilot', value: (r) => r.pilot },
  { key: 'runResult', value: (r) => r.result ?? '—', when: (r) => r.result !== null },
];

export function runStateText(run: RunView): string {
  return tOptional(`run_${run.state}`, run.state);
}

export class RunProgress {
  readonly element = titledSection('console-progress', 'sectionPatrol');
  private readonly rows: Array<{ field: Field; label: HTMLElement; value: HTMLElement }> = [];
  private readonly events = make('ol', 'run-events');
  private eventsKey = '';

  constructor() {
    const list = make('dl', 'panel__fields');
    for (const field of fields) this.rows.push({ field, ...fieldRow(list, field.key) });
    this.element.append(list, this.events);
  }

  render(run: RunView | undefined): void {
    setHidden(this.element, !run);
    if (!run) return;
    this.element.dataset.runState = run.state;
    this.element.dataset.runId = String(run.id);
    for (const { field, label, value } of this.rows) {
      const shown = field.when?.(run) ?? true;
      setHidden(label, !shown);
      setHidden(value, !shown);
      if (shown) setText(value, field.value(run));
    }
    const last = run.events.at(-1);
    const key = `${getLocale()}|${run.id}|${run.events.length}|${last?.time}`;
    if (key === this.eventsKey) return;
    this.eventsKey = key;
    // Newest first, as the messages below.
    this.events.replaceChildren(...run.events.slice(-EVENTS_SHOWN).reverse().map((event) => {
      const item = make('li', `run-events__item run-events__item--${event.kind}`);
      item.append(make('span', 'run-events__time', clockTime(event.time)), make('span', 'run-events__text', event.message));
      return item;
    }));
  }

  /** After a language switch the events are drawn again. */
  relabel(): void {
    this.eventsKey = '';
  }
}
