import type { Selectable, Updateable } from 'kysely';
import type { Db } from './connection.ts';
import type { Database } from './schema.ts';
import type { DroneRequestView } from '../wire/types.ts';

/** A request as stored: everything but the drones that could go, which are worked out when shown. */
export type DroneRequestRow = Omit<DroneRequestView, 'candidates'>;

const parsed = (r: Selectable<Database['drone_requests']>): DroneRequestRow => ({
  id: r.id,
  alertId: r.alert_id,
  target: { lat: r.lat, lon: r.lon },
  requestedBy: r.requested_by,
  at: r.at,
  note: r.note,
  state: r.state as DroneRequestRow['state'],
  acceptedBy: r.accepted_by,
  vehicleId: r.vehicle_id,
  gotoId: r.goto_id,
});

/**
 * The command room's requests for a drone over an incident (patrols/drone-requests.ts). Each change
 * is one conditional statement (or a transaction), so two servers or two requests at once cannot
 * both answer the same request or open two for one incident.
 */
export class DroneRequestStore {
  constructor(private readonly db: Db) {}

  /** A new open request; when the incident has one open already, that one instead (created: false). */
  async create(r: Omit<DroneRequestRow, 'id' | 'state' | 'acceptedBy' | 'vehicleId' | 'gotoId'>): Promise<{ row: DroneRequestRow; created: boolean }> {
    return this.db.k.transaction().execute(async (trx) => {
      // PostgreSQL: the incident's row locked, so a second request for it waits here and then sees
      // the first. SQLite has no FOR UPDATE and needs none: its transactions run one at a time.
      if (this.db.dialect === 'postgres') await trx.selectFrom('alerts').select('id').where('id', '=', r.alertId).forUpdate().execute();
      const open = await trx.selectFrom('drone_requests').selectAll().where('alert_id', '=', r.alertId).where('state', '=', 'open').orderBy('id')
        .limit(1).executeTakeFirst();
      if (open) return { row: parsed(open), created: false };
      const row = await trx.insertInto('drone_requests')
        .values({ alert_id: r.alertId, lat: r.target.lat, lon: r.target.lon, requested_by: r.requestedBy, at: r.at, note: r.note, state: 'open' })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { row: parsed(row), created: true };
    });
  }

  /** Answered: accepted (by whom, which drone, which goto when known) or cancelled; only an open one changes. */
  async answer(id: number, f: Pick<DroneRequestRow, 'state' | 'acceptedBy' | 'vehicleId' | 'gotoId'>): Promise<boolean> {
    const r = await this.db.k.updateTable('drone_requests')
      .set({ state: f.state, accepted_by: f.acceptedBy, vehicle_id: f.vehicleId, goto_id: f.gotoId })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }

  /** The goto that answers a request `pilot` accepted; only while it has none. */
  async attachGoto(id: number, pilot: string, gotoId: number): Promise<boolean> {
    return this.whileAcceptedBy(id, pilot, { goto_id: gotoId });
  }

  /** Open again a request `pilot` accepted but sent no drone for (the goto was refused). */
  async reopen(id: number, pilot: string): Promise<boolean> {
    return this.whileAcceptedBy(id, pilot, { state: 'open', accepted_by: null, vehicle_id: null, goto_id: null });
  }

  /** Change a request only while `pilot` holds it accepted with no drone sent: one statement, so two at once cannot both. */
  private async whileAcceptedBy(id: number, pilot: string, set: Updateable<Database['drone_requests']>): Promise<boolean> {
    const r = await this.db.k.updateTable('drone_requests').set(set)
      .where('id', '=', id)
      .where('state', '=', 'accepted')
      .where('accepted_by', '=', pilot)
      .where('goto_id', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }

  async get(id: number): Promise<DroneRequestRow | undefined> {
    const r = await this.db.k.selectFrom('drone_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return r && parsed(r);
  }

  /** Open requests, oldest first; those of one incident when `alertId` is given. */
  async open(alertId?: number): Promise<DroneRequestRow[]> {
    let q = this.db.k.selectFrom('drone_requests').selectAll().where('state', '=', 'open');
    if (alertId !== undefined) q = q.where('alert_id', '=', alertId);
    return (await q.orderBy('id').execute()).map(parsed);
  }
}
