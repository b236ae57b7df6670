import { EventEmitter } from 'node:events';
import { distanceM } from '../missions/flight.ts';
import { Refusal } from '../refusal.ts';
import type { DroneRequestRow, DroneRequestStore } from '../store/drone-requests.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import { said, term } from '../wire/messages.ts';
import type { DroneRequestView, LatLon } from '../wire/types.ts';
import type { ControlRegistry } from './control.ts';

const CANCELLED = { state: 'cancelled', acceptedBy: null, vehicleId: null, gotoId: null } as const;

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

  /** A new open request for an incident; refused while the incident has one open. */
  async create(alertId: number, target: LatLon, by: string, note: string): Promise<DroneRequestView> {
    const { row, created } = await this.store.create({ alertId, target, requestedBy: by, at: this.now(), note });
    if (!created) throw new DroneRequestError('conflict', said('drone_request_exists', { incident: alertId, id: row.id }));
    return this.told(row);
  }

  /** The request, open; throws when unknown or already answered. */
  async open(id: number): Promise<DroneRequestView> {
    const r = await this.store.get(id);
    if (r?.state !== 'open') throw this.notOpen(id, r);
    return this.view(r);
  }

  /** Why a request cannot be answered: there is none, or it was answered (by whom, when accepted). */
  private notOpen(id: number, r: DroneRequestRow | undefined): DroneRequestError {
    if (!r) return new DroneRequestError('not_found', said('drone_request_unknown', { id }));
    const state = term(`droneRequest_${r.state}`, r.state);
    return new DroneRequestError(
      'conflict',
      r.acceptedBy ?
        said('drone_request_taken', { id, state, pilot: r.acceptedBy, vehicle: r.vehicleId ?? '' })
        : said('drone_request_closed', { id, state }),
    );
  }

  /**
   * A pilot answers a request with one of their drones: the request is theirs first (no other pilot
   * can take it meanwhile, on this server or another), then `send` sends the drone there. When the
   * drone is not sent (its checks refuse it), the request is open again and `send`'s refusal thrown.
   */
  async accept<T extends { id: number }>(
    id: number,
    pilot: string,
    vehicleId: string,
    send: (r: DroneRequestView) => Promise<T>,
  ): Promise<{ request: DroneRequestView; goto: T }> {
    const r = await this.open(id);
    if (!(await this.store.answer(id, { state: 'accepted', acceptedBy: pilot, vehicleId, gotoId: null }))) throw this.notOpen(id, await this.store.get(id));
    let goto: T;
    try {
      goto = await send(r);
    } catch (err) {
      await this.store.reopen(id, pilot);
      throw err;
    }
    await this.store.attachGoto(id, pilot, goto.id);
    return { request: this.told((await this.store.get(id))!), goto };
  }

  async cancel(id: number): Promise<DroneRequestView> {
    if (!(await this.store.answer(id, CANCELLED))) throw this.notOpen(id, await this.store.get(id));
    return this.told((await this.store.get(id))!);
  }

  /** The incident has ended (resolved or closed): its open requests are cancelled; returns those this cancelled. */
  async incidentOver(alertId: number): Promise<DroneRequestView[]> {
    const cancelled: DroneRequestView[] = [];
    for (const r of await this.store.open(alertId)) {
      if (await this.store.answer(r.id, CANCELLED)) cancelled.push(this.told((await this.store.get(r.id))!));
    }
    return cancelled;
  }

  async list(): Promise<DroneRequestView[]> {
    return (await this.store.open()).map((r) => this.view(r));
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
