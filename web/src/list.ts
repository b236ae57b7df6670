/**
 * The list of drones beside the map, sorted by callsign; a row is built once and updated in place.
 * Each row says the drone's state and, as a dispatcher asks it, who flies it, on which route, how
 * far along, and from which station.
 */

import type { RunView, VehicleHealth, VehicleView } from '../../server/wire/types.ts';
import { make, setText } from './dom.ts';
import { distance, num } from './format.ts';
import { getLocale, t, type StringKey } from './i18n.ts';

/** Who flies a drone and on what, as the page knows it now. */
export interface DroneDuty {
  /** the pilot in control, or null when nobody has taken it */
  pilot: string | null;
  /** its patrol in progress, if any */
  run: RunView | undefined;
  /** the station it flies from: its route's, else its own (VehicleView.station, by name), else the one this service is configured as ("" unknown) */
  station: string;
  /** what the page calls the drone's own station (its name, else its id; "" unknown), said in the tag's tooltip */
  own?: string;
}

interface Row {
  item: HTMLLIElement;
  button: HTMLButtonElement;
  callsign: HTMLElement;
  health: HTMLElement;
  mode: HTMLElement;
  detail: HTMLElement;
  pilot: HTMLElement;
  station: HTMLElement;
  patrol: HTMLElement;
  sortKey: string;
  healthClass: VehicleHealth | null;
}

/** "SB-2" before "SB-10" */
const collator = new Intl.Collator(undefined, { numeric: true });

const healthLabel: Record<VehicleHealth, StringKey> = { ok: 'healthOk', warning: 'healthWarning', lost: 'healthLost' };

export class DroneList {
  private readonly rows = new Map<string, Row>();

  constructor(
    private readonly container: HTMLOListElement,
    private readonly empty: HTMLElement,
    onPick: (id: string) => void,
  ) {
    container.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLElement>('[data-drone-id]');
      if (button) onPick(button.dataset.droneId!);
    });
  }

  apply(view: VehicleView, duty: DroneDuty): void {
    const row = this.rows.get(view.id) ?? this.create(view);
    const sortKey = `${view.callsign}\u0000${view.id}`;
    if (row.sortKey !== sortKey) {
      row.sortKey = sortKey;
      this.insertSorted(row);
    }
    if (row.healthClass !== view.health) {
      if (row.healthClass) row.button.classList.remove(`row--${row.healthClass}`);
      row.button.classList.add(`row--${view.health}`);
      row.healthClass = view.health;
    }
    setText(row.callsign, view.callsign);
    setText(row.health, t(healthLabel[view.health]));
    setText(row.mode, t(`flightMode_${view.flightMode}`));
    const battery = view.battery?.percent ?? null;
    const where = view.position ? num(view.position.altRel, 0, 'm') : t('noPosition');
    setText(row.detail, `${where} · ${num(battery, 0, '%')}`);
    row.detail.classList.toggle('row__detail--no-position', !view.position);
    this.applyDuty(row, duty, view.station);
  }

  /** stationId: the drone's own station (a tag the city centre reads, and tests find it by) */
  private applyDuty(row: Row, { pilot, run, station, own }: DroneDuty, stationId: string | undefined): void {
    setText(row.pilot, pilot ? t('listPilot', { pilot }) : t('listNoPilot'));
    row.pilot.classList.toggle('row__pilot--none', pilot === null);
    setText(row.station, station ? t('listStation', { station }) : '');
    row.station.hidden = !station;
    // Rows are redrawn every frame a drone reports: the attributes are written only when they change.
    if (!stationId) delete row.station.dataset.stationId;
    else if (row.station.dataset.stationId !== stationId) row.station.dataset.stationId = stationId;
    const title = own ? t('droneStation', { station: own }) : '';
    if (row.station.title !== title) row.station.title = title;
    row.patrol.hidden = !run;
    if (!run) return;
    const route = getLocale() === 'zh-CN' ? run.routeName.zh : run.routeName.en;
    // How far along: the item it flies of the route's items (on the way home, that it is), and what
    // is left to fly (home included).
    const along = run.leg && run.state !== 'returning' ? t('listAlong', { item: run.leg.item, of: run.leg.of }) : t(`run_${run.state}`);
    const left = run.distanceLeftM === null ? '' : ` · ${t('listLeft', { left: distance(run.distanceLeftM) })}`;
    setText(row.patrol, `${route} · ${along}${left}`);
    row.patrol.dataset.runState = run.state;
  }

  remove(id: string): void {
    this.rows.get(id)?.item.remove();
    this.rows.delete(id);
    this.empty.hidden = this.rows.size > 0;
  }

  select(id: string | null): void {
    for (const [rowId, row] of this.rows) {
      const selected = rowId === id;
      if (row.button.classList.contains('row--selected') !== selected) {
        row.button.classList.toggle('row--selected', selected);
        row.button.setAttribute('aria-pressed', String(selected));
      }
    }
  }

  private create(view: VehicleView): Row {
    const item = make('li', 'drone-list__item');
    const button = make('button', 'row');
    button.type = 'button';
    button.dataset.droneId = view.id;
    button.setAttribute('aria-pressed', 'false');
    const top = make('span', 'row__top');
    const callsign = make('span', 'row__callsign');
    const health = make('span', 'row__health');
    top.append(make('span', 'row__dot'), callsign, health);
    const bottom = make('span', 'row__bottom');
    const mode = make('span', 'row__mode');
    const detail = make('span', 'row__detail');
    bottom.append(mode, detail);
    const duty = make('span', 'row__duty');
    const pilot = make('span', 'row__pilot');
    const station = make('span', 'row__station');
    duty.append(pilot, station);
    const patrol = make('span', 'row__patrol');
    button.append(top, bottom, duty, patrol);
    item.append(button);
    const row: Row = { item, button, callsign, health, mode, detail, pilot, station, patrol, sortKey: '', healthClass: null };
    this.rows.set(view.id, row);
    this.empty.hidden = true;
    return row;
  }

  private insertSorted(row: Row): void {
    let before: Row | undefined;
    for (const other of this.rows.values()) {
      if (other === row || !other.item.isConnected) continue;
      const after = collator.compare(other.sortKey, row.sortKey) > 0;
      if (after && (!before || collator.compare(other.sortKey, before.sortKey) < 0)) {
        before = other;
      }
    }
    this.container.insertBefore(row.item, before?.item ?? null);
  }
}
