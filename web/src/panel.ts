/** Telemetry of the selected drone. Built once from the field table below, then only values change. */

import type { VehicleHealth, VehicleView, VehicleWarning } from '../../server/wire/types.ts';
import { fieldRow, make, setText } from './dom.ts';
import { age, clockTime, coordinates, gpsFix, num, severity, systemState } from './format.ts';
import { getLocale, t, translateStatic, type StringKey } from './i18n.ts';

const WARNING_TEXT: Record<VehicleWarning['code'], StringKey> = {
  battery: 'warnBattery',
  gps: 'warnGps',
  status: 'warnStatus',
  no_position: 'warnNoPosition',
};

interface Field {
  label: StringKey;
  value: (v: VehicleView, now: number) => string;
  /** values that need the operator's eye right now */
  alert?: (v: VehicleView) => boolean;
}

const sections: Array<{ title: StringKey; fields: Field[] }> = [
  {
    title: 'sectionFlight',
    fields: [
      // What the mode does, in the page's language, and the firmware's own name for pilots who know it.
      { label: 'mode', value: (v) => `${t(`flightMode_${v.flightMode}`)} · ${v.mode}` },
      { label: 'armed', value: (v) => t(v.armed ? 'armedYes' : 'armedNo'), alert: (v) => v.armed },
      { label: 'systemStatus', value: (v) => systemState(v.systemStatus) },
      { label: 'altRel', value: (v) => num(v.position?.altRel, 1, 'm') },
      { label: 'altMsl', value: (v) => num(v.position?.altMsl, 1, 'm') },
      { label: 'groundSpeed', value: (v) => num(v.groundSpeed, 1, 'm/s') },
      { label: 'climbRate', value: (v) => num(v.climbRate, 1, 'm/s') },
      { label: 'heading', value: (v) => num(v.heading, 0, '°') },
      {
        label: 'position',
        value: (v) => (v.position ? coordinates(v.position.lat, v.position.lon) : t('noPosition')),
        alert: (v) => !v.position,
      },
      { label: 'vehicleType', value: (v) => v.type },
    ],
  },
  {
    title: 'sectionBattery',
    fields: [
      { label: 'batteryPercent', value: (v) => num(v.battery?.percent, 0, '%') },
      { label: 'batteryVoltage', value: (v) => num(v.battery?.voltage, 2, 'V') },
      { label: 'batteryCurrent', value: (v) => num(v.battery?.current, 1, 'A') },
    ],
  },
  {
    title: 'sectionGps',
    fields: [
      { label: 'gpsFix', value: (v) => (v.gps ? gpsFix(v.gps.fix, v.gps.fixName) : '—'), alert: (v) => (v.gps?.fix ?? 0) < 3 },
      { label: 'gpsSatellites', value: (v) => num(v.gps?.satellites, 0, '') },
      { label: 'gpsHdop', value: (v) => num(v.gps?.hdop, 1, '') },
    ],
  },
  {
    title: 'sectionLink',
    fields: [
      { label: 'linkState', value: (v) => t(v.link.lost ? 'linkLost' : 'linkUp'), alert: (v) => v.link.lost },
      { label: 'lastHeard', value: (v, now) => `${age(v.link.lastHeard, now)} · ${clockTime(v.link.lastHeard)}` },
      { label: 'packets', value: (v) => String(v.link.packets) },
      {
        label: 'refusedRates',
        value: (v) => v.link.refusedRates.map((r) => `${r.message} ${r.hz === null ? t('rateOff') : `${r.hz} Hz`}: ${r.result}`).join(', ') || '—',
        alert: (v) => v.link.refusedRates.length > 0,
      },
      { label: 'loss', value: (v) => num(v.link.lossPercent, 1, '%') },
      { label: 'crcErrors', value: (v) => String(v.link.crcErrors), alert: (v) => v.link.crcErrors > 0 },
      { label: 'linkUri', value: (v) => v.link.uri },
    ],
  },
];

const healthLabel: Record<VehicleHealth, StringKey> = { ok: 'healthOk', warning: 'healthWarning', lost: 'healthLost' };

export class TelemetryPanel {
  private readonly callsign: HTMLElement;
  private readonly health: HTMLElement;
  /** the drone's station, as a tag beside its callsign */
  private readonly station: HTMLElement;
  private readonly gone: HTMLElement;
  private readonly body: HTMLElement;
  private readonly values: Array<{ field: Field; el: HTMLElement }> = [];
  private readonly warningsSection: HTMLElement;
  private readonly warnings: HTMLUListElement;
  private readonly messages: HTMLOListElement;
  /** what the message list shows now, so it is rebuilt only when new messages arrive */
  private messagesKey = '';

  /** extra: shown between the header and the telemetry (the drone console); stationLabel: what the page calls a station ("" to leave it out) */
  constructor(
    private readonly root: HTMLElement,
    onClose: () => void,
    extra?: HTMLElement,
    private readonly stationLabel: (id: string | undefined) => string = (id) => id ?? '',
  ) {
    const head = make('header', 'panel__head');
    this.callsign = make('h2', 'panel__callsign');
    this.health = make('span', 'panel__health');
    this.station = make('span', 'panel__station');
    this.station.hidden = true;
    const close = make('button', 'panel__close', '×');
    close.type = 'button';
    close.dataset.i18nTitle = 'close';
    close.addEventListener('click', onClose);
    head.append(this.callsign, this.health, this.station, close);

    this.gone = make('p', 'panel__gone');
    this.gone.dataset.i18n = 'selectedGone';
    this.body = make('div', 'panel__body');
    for (const section of sections) this.body.append(this.buildSection(section.title, section.fields));

    this.warningsSection = this.titled('sectionWarnings');
    this.warnings = make('ul', 'panel__warnings');
    this.warningsSection.append(this.warnings);
    const messagesSection = this.titled('sectionMessages');
    this.messages = make('ol', 'messages');
    messagesSection.append(this.messages);
    this.body.append(this.warningsSection, messagesSection);

    root.append(head, this.gone, ...(extra ? [extra] : []), this.body);
    translateStatic(root);
  }

  /** view undefined: the selected drone is no longer reported (kept open so the operator notices). */
  show(id: string | null, view: VehicleView | undefined, now: number): void {
    this.root.hidden = id === null;
    if (id === null) return;
    this.root.dataset.droneId = id;
    this.gone.hidden = view !== undefined;
    this.body.hidden = view === undefined;
    if (!view) return;
    this.root.dataset.health = view.health;
    setText(this.callsign, view.callsign);
    setText(this.health, t(healthLabel[view.health]));
    this.showStation(view.station);
    for (const { field, el } of this.values) {
      setText(el, field.value(view, now));
      el.classList.toggle('panel__value--alert', field.alert?.(view) ?? false);
    }
    this.renderWarnings(view.warnings);
    this.renderMessages(view);
  }

  private showStation(id: string | undefined): void {
    const label = this.stationLabel(id);
    this.station.hidden = !label;
    setText(this.station, label);
    if (this.station.dataset.stationId !== id) {
      if (id) this.station.dataset.stationId = id;
      else delete this.station.dataset.stationId;
    }
    const title = label ? t('droneStation', { station: label }) : '';
    if (this.station.title !== title) this.station.title = title;
  }

  /** After a language change (labels carry data-i18n and follow the page): rebuild messages on the next show(). */
  localeChanged(): void {
    this.messagesKey = '';
  }

  private buildSection(title: StringKey, fields: Field[]): HTMLElement {
    const section = this.titled(title);
    const list = make('dl', 'panel__fields');
    for (const field of fields) this.values.push({ field, el: fieldRow(list, field.label).value });
    section.append(list);
    return section;
  }

  private titled(title: StringKey): HTMLElement {
    const section = make('section', 'panel__section');
    const heading = make('h3', 'panel__title');
    heading.dataset.i18n = title;
    section.append(heading);
    return section;
  }

  private renderWarnings(codes: VehicleWarning[]): void {
    const warnings = codes.map((w) => t(WARNING_TEXT[w.code], { value: w.value ?? '' }));
    this.warningsSection.hidden = warnings.length === 0;
    const text = `${getLocale()}|${warnings.join('\n')}`;
    if (this.warnings.dataset.text === text) return;
    this.warnings.dataset.text = text;
    this.warnings.replaceChildren(...warnings.map((w) => make('li', 'panel__warning', w)));
  }

  private renderMessages(view: VehicleView): void {
    const last = view.messages.at(-1);
    const key = `${view.id}|${view.messages.length}|${last?.time}|${last?.text}`;
    if (key === this.messagesKey) return;
    this.messagesKey = key;
    if (view.messages.length === 0) {
      this.messages.replaceChildren(make('li', 'messages__empty', t('noMessages')));
      return;
    }
    // Newest first: the operator reads from the top.
    const items = view.messages.toReversed().map((message) => {
      const item = make('li', `messages__item messages__item--sev${message.severity}`);
      item.append(
        make('span', 'messages__time', clockTime(message.time)),
        make('span', 'messages__severity', severity(message.severity)),
        make('span', 'messages__text', message.text),
      );
      return item;
    });
    this.messages.replaceChildren(...items);
  }
}
