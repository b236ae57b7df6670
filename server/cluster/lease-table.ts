/**
 * The statements of a lease (table cluster_leases), each one statement so that nodes racing for
 * one lease are ordered by the database alone: whoever's statement the database applies first
 * wins, and the others' find its row. Times are the caller's clock, in ms since the epoch.
 */
import type { Db } from '../store/connection.ts';

export interface LeaseRow {
  node: string;
  /** raised each time another node takes the lease: work stamped with an older one is stale */
  epoch: number;
  expiresAt: number;
}

/**
 * `node` takes the lease `name` until `until` if nobody holds it, it has expired (before `now`), or
 * `node` holds it already. Returns the epoch it holds it under, or null when another node holds it.
 */
export async function acquire(db: Db, name: string, node: string, now: number, until: number): Promise<number | null> {
  const row = await db.k.insertInto('cluster_leases')
    .values({ name, holder: node, epoch: 1, expires_at: until })
    .onConflict((oc) =>
      oc.column('name')
        .doUpdateSet((eb) => ({
          holder: eb.ref('excluded.holder'),
          // A new holder raises the epoch; the same holder coming back (after a lapse) keeps it.
          epoch: eb.case().when('cluster_leases.holder', '=', node).then(eb.ref('cluster_leases.epoch')).else(eb('cluster_leases.epoch', '+', 1)).end(),
          expires_at: eb.ref('excluded.expires_at'),
        }))
        .where((eb) => eb.or([eb('cluster_leases.expires_at', '<', now), eb('cluster_leases.holder', '=', node)]))
    )
    .returning('epoch')
    .executeTakeFirst();
  return row ? row.epoch : null;
}

/** Moves the end of `node`'s lease under `epoch` to `until`; false if it is not (any longer) theirs. */
export async function renew(db: Db, name: string, node: string, epoch: number, until: number): Promise<boolean> {
  const r = await db.k.updateTable('cluster_leases').set({ expires_at: until })
    .where('name', '=', name).where('holder', '=', node).where('epoch', '=', epoch)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Ends `node`'s lease now (expires_at 0), so another takes it at its next try; nothing if not theirs. */
export async function giveUp(db: Db, name: string, node: string): Promise<void> {
  await db.k.updateTable('cluster_leases').set({ expires_at: 0 }).where('name', '=', name).where('holder', '=', node).execute();
}

/** The lease's row as it stands, expired or not; null if it was never taken. */
export async function leaseRow(db: Db, name: string): Promise<LeaseRow | null> {
  const row = await db.k.selectFrom('cluster_leases').select(['holder as node', 'epoch', 'expires_at as expiresAt']).where('name', '=', name)
    .executeTakeFirst();
  return row ?? null;
}
