import { EventEmitter } from 'node:events';
import { distanceM } from '../missions/flight.ts';
import { Refusal } from '../refusal.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import type { DroneRequestView, LatLon } from '../wire/types.ts';
import type { ControlRegistry } from './control.ts';

/** A request refused: no such incident or request, or it is no longer open. */
export class DroneRequestError extends Refusal {}

type Request = Omit<DroneRequestView, 'candidates'>;

/**
 * The command room, which may not fly, asks for a drone over an incident; the pilots see each open
 * request with the drones that could go, and one of them accepts it with a confirmed goto
 * (http/goto-api.ts). Kept in memory: a request lives as long as its incident is being handled,
 * and every request, acceptance and cancellation is in the audit.
 */
export class DroneRequests extends EventEmitter<{ request: [DroneRequestView] }> {
  private readonly requests = new Map<number, Request>();
  private nextId = 1;

  constructor(private readonly fleet: Fleet, private readonly control: ControlRegistry, private readonly now: () => number = Date.now) {
    super();
  }

  create(alertId: number, target: LatLon, by: string, note: string): DroneRequestView {
    for (const r of this.requests.values()) {
      if (r.alertId === alertId && r.state === 'open')
        throw new DroneRequestError('conflict', `a drone is already requested for incident ${alertId} (request ${r.id})`);
    }
    const r: Request = {
      id: this.nextId++,
      alertId,
      target,
      requestedBy: by,
      at: this.now(),
      note,
      state: 'open',
      acceptedBy: null,
      vehicleId: null,
      gotoId: null,
    };
    this.requests.set(r.id, r);
    return this.told(r);
  }

  /** The request, open; throws when unknown or already answered. */
  open(id: number): DroneRequestView {
    const r = this.requests.get(id);
    if (!r) throw new DroneRequestError('not_found', `no drone request ${id}`);
    if (r.state !== 'open')
      throw new DroneRequestError('conflict', `drone request ${id} is ${r.state}${r.acceptedBy ? ` by ${r.acceptedBy} (${r.vehicleId})` : ''}`);
    return this.view(r);
  }

  accepted(id: number, pilot: string, vehicleId: string, gotoId: number): DroneRequestView {
    this.open(id);
    const r = this.requests.get(id)!;
    Object.assign(r, { state: 'accepted', acceptedBy: pilot, vehicleId, gotoId });
    return this.told(r);
  }

  cancel(id: number): DroneRequestView {
    this.open(id);
    const r = this.requests.get(id)!;
    r.state = 'cancelled';
    return this.told(r);
  }

  list(): DroneRequestView[] {
    return [...this.requests.values()].filter((r) => r.state === 'open').map((r) => this.view(r));
  }

  /** Drones that could go, nearest first: connected, with a position. */
  private view(r: Request): DroneRequestView {
    const candidates = [...this.fleet.vehicles.values()].filter((v) => !v.lost && v.position).map((v) => ({
      vehicleId: v.id,
      distanceM: Math.round(distanceM(v.position!, r.target)),
      batteryPercent: v.battery?.percent ?? null,
      pilot: this.control.holder(v.id),
      airborne: v.armed && (v.position?.altRel ?? 0) > 2,
    })).sort((a, b) => a.distanceM - b.distanceM);
    return { ...r, candidates };
  }

  private told(r: Request): DroneRequestView {
    const v = this.view(r);
    this.emit('request', v);
    return v;
  }
}
