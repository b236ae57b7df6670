import { EventEmitter } from 'node:events';
import { distanceM } from '../missions/flight.ts';
import { Refusal } from '../refusal.ts';
import type { DroneRequestRow, DroneRequestStore } from '../store/drone-requests.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import { said, term } from '../wire/messages.ts';
import type { DroneRequestView, LatLon } from '../wire/types.ts';
import type { ControlRegistry } from './control.ts';

/** A request refused: no such incident or request, or it is no longer open. */
export class DroneRequestError extends Refusal {}

/**
 * The command room, which may not fly, asks for a drone over an incident; the pilots see each open
 * request with the drones that could go, and one of them accepts it with a confirmed goto
 * (http/goto-api.ts). Kept in the database (store/drone-requests.ts), so an open request outlives a
 * restart of the service; every request, acceptance and cancellation is also in the audit.
 */
export class DroneRequests extends EventEmitter<{ request: [DroneRequestView] }> {
  constructor(
    private readonly fleet: Fleet,
    private readonly control: ControlRegistry,
    private readonly store: DroneRequestStore,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  create(alertId: number, target: LatLon, by: string, note: string): DroneRequestView {
    for (const r of this.store.open()) {
      if (r.alertId === alertId && r.state === 'open')
        throw new DroneRequestError('conflict', said('drone_request_exists', { incident: alertId, id: r.id }));
    }
    return this.told(this.store.create({ alertId, target, requestedBy: by, at: this.now(), note }));
  }

  /** The request, open; throws when unknown or already answered. */
  open(id: number): DroneRequestView {
    const r = this.store.get(id);
    if (!r) throw new DroneRequestError('not_found', said('drone_request_unknown', { id }));
    if (r.state !== 'open') {
      const state = term(`droneRequest_${r.state}`, r.state);
      throw new DroneRequestError(
        'conflict',
        r.acceptedBy ?
          said('drone_request_taken', { id, state, pilot: r.acceptedBy, vehicle: r.vehicleId ?? '' })
          : said('drone_request_closed', { id, state }),
      );
    }
    return this.view(r);
  }

  accepted(id: number, pilot: string, vehicleId: string, gotoId: number): DroneRequestView {
    this.open(id);
    this.store.answer(id, { state: 'accepted', acceptedBy: pilot, vehicleId, gotoId });
    return this.told(this.store.get(id)!);
  }

  cancel(id: number): DroneRequestView {
    this.open(id);
    this.store.answer(id, { state: 'cancelled', acceptedBy: null, vehicleId: null, gotoId: null });
    return this.told(this.store.get(id)!);
  }

  /** The incident has ended (resolved or closed): its open requests are cancelled; returns them. */
  incidentOver(alertId: number): DroneRequestView[] {
    const open = this.store.open().filter((r) => r.alertId === alertId && r.state === 'open');
    for (const r of open) this.store.answer(r.id, { state: 'cancelled', acceptedBy: null, vehicleId: null, gotoId: null });
    return open.map((r) => this.told(this.store.get(r.id)!));
  }

  list(): DroneRequestView[] {
    return this.store.open().map((r) => this.view(r));
  }

  /** Drones that could go, nearest first: connected, with a position. */
  private view(r: DroneRequestRow): DroneRequestView {
    const candidates = [...this.fleet.vehicles.values()].filter((v) => !v.lost && v.position).map((v) => ({
      vehicleId: v.id,
      distanceM: Math.round(distanceM(v.position!, r.target)),
      batteryPercent: v.battery?.percent ?? null,
      pilot: this.control.holder(v.id),
      airborne: v.armed && (v.position?.altRel ?? 0) > 2,
    })).sort((a, b) => a.distanceM - b.distanceM);
    return { ...r, candidates };
  }

  private told(r: DroneRequestRow): DroneRequestView {
    const v = this.view(r);
    this.emit('request', v);
    return v;
  }
}
