/** The list of drones beside the map, sorted by callsign; a row is built once and updated in place. */

import type { VehicleHealth, VehicleView } from '../../server/wire/types.ts';
import { make, setText } from './dom.ts';
import { num } from './format.ts';
import { t, type StringKey } from './i18n.ts';

interface Row {
  item: HTMLLIElement;
  button: HTMLButtonElement;
  callsign: HTMLElement;
  health: HTMLElement;
  mode: HTMLElement;
  detail: HTMLElement;
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

  apply(view: VehicleView): void {
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
    button.append(top, bottom);
    item.append(button);
    const row: Row = { item, button, callsign, health, mode, detail, sortKey: '', healthClass: null };
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
