/**
 * Raising a ground alert: click the map where the incident is (converted back to WGS-84 on a
 * GCJ-02 map), or "here" from a drone (the service takes the drone's own position), then say what
 * it is. The service dispatches the nearest officers on duty. The form inside the dialog is drawn
 * by Preact from its state: what was typed stays through a language switch or a refusal.
 */

import { signal } from '@preact/signals';
import * as L from 'leaflet';
import { render } from 'preact';
import { GROUND_CATEGORIES, type GroundAlertView, type VehicleView } from '../../../server/wire/types.ts';
import { coordinates } from '../format.ts';
import { t, type StringKey } from '../i18n.ts';
import { reasonOf, requestJson } from '../live.ts';
import type { Projection } from '../projection.ts';
import { categoryName } from './ground-markers.ts';
import { endMapPick, startMapPick } from '../map-pick.ts';

type Where = { lat: number; lon: number } | { vehicleId: string; callsign: string; lat: number; lon: number };

const PRIORITIES: Record<string, StringKey> = { 1: 'priority1', 2: 'priority2', 3: 'priority3' };
const EMPTY = { category: 'other', priority: '2', note: '' };

export interface AlertFormDeps {
  map: L.Map;
  projection: Projection;
  /** the line over the map that says what a click will do */
  banner: HTMLElement;
  created(alert: GroundAlertView): void;
}

export class AlertForm {
  readonly where = signal<Where | null>(null);
  readonly fields = signal(EMPTY);
  /** the service's refusal, said when drawn (it follows a language switch) */
  readonly error = signal<(() => string) | null>(null);
  readonly sending = signal(false);
  private readonly spot: L.Marker;
  private picking = false;

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly deps: AlertFormDeps,
  ) {
    this.spot = L.marker([0, 0], {
      icon: L.divIcon({ className: 'alert-spot', html: '<span></span>', iconSize: undefined }),
      interactive: false,
      keyboard: false,
    });
    dialog.addEventListener('close', () => this.spot.remove());
    deps.map.on('click', (event: L.LeafletMouseEvent) => {
      if (!this.picking) return;
      this.stopPicking();
      const at = deps.projection.fromMap(event.latlng.lat, event.latlng.lng);
      this.open(at);
    });
    deps.banner.querySelector('.mode-banner__cancel')?.addEventListener('click', () => this.stopPicking());
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.picking) this.stopPicking();
    });
    render(<AlertFormView form={this} />, dialog);
  }

  /** The next click on the map marks the incident. */
  pickOnMap(): void {
    startMapPick(this.endPick);
    this.picking = true;
    this.deps.map.getContainer().classList.add('is-picking');
    this.deps.banner.hidden = false;
  }

  atDrone(vehicle: VehicleView): void {
    if (!vehicle.position) return;
    this.stopPicking();
    this.open({ vehicleId: vehicle.id, callsign: vehicle.callsign, lat: vehicle.position.lat, lon: vehicle.position.lon });
  }

  close(): void {
    this.dialog.close();
  }

  /** Called off by another pick (a goto point) that took the next click. */
  private readonly endPick = () => this.stopPicking();

  private stopPicking(): void {
    endMapPick(this.endPick);
    this.picking = false;
    this.deps.map.getContainer().classList.remove('is-picking');
    this.deps.banner.hidden = true;
  }

  private open(where: Where): void {
    this.where.value = where;
    this.error.value = null;
    this.spot.setLatLng(this.deps.projection.toMap(where.lat, where.lon)).addTo(this.deps.map);
    this.dialog.showModal();
  }

  async send(): Promise<void> {
    const where = this.where.value;
    if (!where) return;
    const { category, priority, note } = this.fields.value;
    const common = { category, priority: Number(priority), note: note.trim() };
    const body = 'vehicleId' in where ? { ...common, vehicleId: where.vehicleId, here: true } : { ...common, lat: where.lat, lon: where.lon };
    this.sending.value = true;
    try {
      const alert = await requestJson<GroundAlertView>('POST', '/api/alerts', body);
      this.fields.value = EMPTY;
      this.dialog.close();
      this.deps.created(alert);
    } catch (error) {
      // The form stays open with everything typed: nothing is lost.
      this.error.value = () => t('alertRefused', { reason: reasonOf(error) });
    } finally {
      this.sending.value = false;
    }
  }
}

function AlertFormView({ form }: { form: AlertForm }) {
  const where = form.where.value;
  const fields = form.fields.value;
  const error = form.error.value;
  const set = (name: keyof typeof EMPTY) => (event: { currentTarget: { value: string } }) => {
    form.fields.value = { ...form.fields.value, [name]: event.currentTarget.value };
  };
  return (
    <form
      class='dialog__form alert-form'
      onSubmit={(event) => {
        event.preventDefault();
        void form.send();
      }}
    >
      <h2 class='dialog__title'>{t('newAlertTitle')}</h2>
      <p class='alert-form__where'>
        {where && ('vehicleId' in where
          ? t('alertAtDrone', { drone: where.callsign, where: coordinates(where.lat, where.lon) })
          : t('alertAtSpot', { where: coordinates(where.lat, where.lon) }))}
      </p>
      <label class='field'>
        <span>{t('category')}</span>
        <select name='category' value={fields.category} onChange={set('category')}>
          {GROUND_CATEGORIES.map((c) => <option key={c} value={c}>{categoryName(c)}</option>)}
        </select>
      </label>
      <label class='field'>
        <span>{t('priority')}</span>
        <select name='priority' value={fields.priority} onChange={set('priority')}>
          {Object.entries(PRIORITIES).map(([p, key]) => <option key={p} value={p}>{t(key)}</option>)}
        </select>
      </label>
      <label class='field'>
        <span>{t('note')}</span>
        <textarea name='note' rows={3} maxLength={500} value={fields.note} onInput={set('note')} />
      </label>
      <p class='alert-form__error' role='alert' hidden={error === null}>{error?.()}</p>
      <div class='dialog__buttons'>
        <button type='button' class='button alert-form__cancel' onClick={() => form.close()}>{t('cancel')}</button>
        <button type='submit' class='button button--primary alert-form__send' disabled={form.sending.value}>{t('sendAlert')}</button>
      </div>
    </form>
  );
}
