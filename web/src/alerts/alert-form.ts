/**
 * Raising a ground alert: click the map where the incident is (converted back to WGS-84 on a
 * GCJ-02 map), or "here" from a drone (the service takes the drone's own position), then say what
 * it is. The service dispatches the nearest officers on duty.
 */

import * as L from 'leaflet';
import { GROUND_CATEGORIES, type GroundAlertView, type VehicleView } from '../../../server/wire/types.ts';
import { make } from '../dom.ts';
import { coordinates } from '../format.ts';
import { t } from '../i18n.ts';
import { reasonOf, requestJson } from '../live.ts';
import type { Projection } from '../projection.ts';
import { categoryName } from './ground-markers.ts';

type Where = { lat: number; lon: number } | { vehicleId: string; callsign: string; lat: number; lon: number };

export interface AlertFormDeps {
  map: L.Map;
  projection: Projection;
  /** the line over the map that says what a click will do */
  banner: HTMLElement;
  created(alert: GroundAlertView): void;
}

export class AlertForm {
  private readonly form: HTMLFormElement;
  private readonly whereText: HTMLElement;
  private readonly error: HTMLElement;
  private readonly category: HTMLSelectElement;
  private readonly priority: HTMLSelectElement;
  private readonly spot: L.Marker;
  private where: Where | null = null;
  private picking = false;

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly deps: AlertFormDeps,
  ) {
    this.form = dialog.querySelector('form')!;
    this.whereText = dialog.querySelector('.alert-form__where')!;
    this.error = dialog.querySelector('.alert-form__error')!;
    this.category = this.form.elements.namedItem('category') as HTMLSelectElement;
    this.priority = this.form.elements.namedItem('priority') as HTMLSelectElement;
    this.spot = L.marker([0, 0], { icon: L.divIcon({ className: 'alert-spot', html: '<span></span>', iconSize: undefined }), interactive: false, keyboard: false });
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    dialog.querySelector('.alert-form__cancel')!.addEventListener('click', () => dialog.close());
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
  }

  /** The next click on the map marks the incident. */
  pickOnMap(): void {
    this.picking = true;
    this.deps.map.getContainer().classList.add('is-picking');
    this.deps.banner.querySelector('.mode-banner__text')!.textContent = t('pickAlertSpot');
    this.deps.banner.hidden = false;
  }

  atDrone(vehicle: VehicleView): void {
    if (!vehicle.position) return;
    this.stopPicking();
    this.open({ vehicleId: vehicle.id, callsign: vehicle.callsign, lat: vehicle.position.lat, lon: vehicle.position.lon });
  }

  private stopPicking(): void {
    this.picking = false;
    this.deps.map.getContainer().classList.remove('is-picking');
    this.deps.banner.hidden = true;
  }

  private open(where: Where): void {
    this.where = where;
    // Filled on each opening, so the choices are in the page's current language.
    const chosen = this.category.value;
    this.category.replaceChildren(...GROUND_CATEGORIES.map((c) => Object.assign(make('option', '', categoryName(c)), { value: c })));
    this.category.value = chosen || 'other';
    const priority = this.priority.value || '2';
    this.priority.replaceChildren(...[1, 2, 3].map((p) => Object.assign(make('option', '', t(`priority${p}` as 'priority1')), { value: String(p) })));
    this.priority.value = priority;
    this.whereText.textContent = 'vehicleId' in where
      ? t('alertAtDrone', { drone: where.callsign, where: coordinates(where.lat, where.lon) })
      : t('alertAtSpot', { where: coordinates(where.lat, where.lon) });
    this.error.hidden = true;
    this.spot.setLatLng(this.deps.projection.toMap(where.lat, where.lon)).addTo(this.deps.map);
    this.dialog.showModal();
  }

  private async send(): Promise<void> {
    const where = this.where;
    if (!where) return;
    const fields = new FormData(this.form);
    const common = { category: String(fields.get('category')), priority: Number(fields.get('priority')), note: String(fields.get('note') ?? '').trim() };
    const body = 'vehicleId' in where ? { ...common, vehicleId: where.vehicleId, here: true } : { ...common, lat: where.lat, lon: where.lon };
    const submit = this.form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    submit.disabled = true;
    try {
      const alert = await requestJson<GroundAlertView>('POST', '/api/alerts', body);
      this.form.reset();
      this.dialog.close();
      this.deps.created(alert);
    } catch (error) {
      // The form stays open with everything typed: nothing is lost.
      this.error.textContent = t('alertRefused', { reason: reasonOf(error) });
      this.error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  }
}
