import { getDistance } from 'geolib';
import { DEFAULT_NUMBERING, numberPrefix } from '../../server/alerts/incident-number.ts';
import { GroundAlertStore } from '../../server/store/alerts.ts';
import { openStore } from '../../server/store/index.ts';
import type { Prng } from '../../server/sim/prng.ts';
import { HOME } from './traffic.ts';

/** Numbered as the service numbers them (the numbers are not what the bench measures). */
const dayPrefix = (at: number) => numberPrefix(DEFAULT_NUMBERING, at);

export interface Place {
  name: string;
  lat: number;
  lon: number;
}

/** Officers scattered over ±5 km of the station. */
export function officerPlaces(n: number, rng: Prng): Place[] {
  return Array.from(
    { length: n },
    (_, i) => ({ name: `officer${i + 1}`, lat: HOME.lat + (rng.next() - 0.5) * 0.09, lon: HOME.lon + (rng.next() - 0.5) * 0.1 }),
  );
}

/**
 * A busy shift's open ground alerts, written through the service's own store before it starts
 * (raising a thousand over HTTP would meet the per-user creation limit, which is the point of it):
 * each officer holds one job about a kilometre away, accepted; the rest were offered to their two
 * nearest officers and wait for an answer, as dispatch itself would have left them.
 */
export async function seedOpenAlerts(dataDir: string, officers: Place[], total: number, rng: Prng): Promise<{ held: Map<string, Place> }> {
  const store = await openStore(dataDir);
  const held = new Map<string, Place>();
  const metres = (a: Place | { lat: number; lon: number }, b: { lat: number; lon: number }) =>
    getDistance({ latitude: a.lat, longitude: a.lon }, { latitude: b.lat, longitude: b.lon });
  try {
    // One transaction for all (a commit each would take the bench's time): the store's steps run in it.
    await store.db.k.transaction().execute(async (trx) => {
      const ground = new GroundAlertStore({ ...store.db, k: trx });
      for (const o of officers) {
        const at = { lat: o.lat + 0.009, lon: o.lon };
        const row = await ground.create({ category: 'theft', priority: 2, ...at, note: 'bench: held', vehicleId: null, createdBy: 'room' }, dayPrefix);
        await ground.record(row.id, o.name, 'notified', { distanceM: metres(o, at) }, 'dispatched');
        await ground.record(row.id, o.name, 'accept', undefined, 'accepted');
        held.set(o.name, { name: `alert ${row.id}`, ...at });
      }
      for (let i = officers.length; i < total; i++) {
        const at = { lat: HOME.lat + (rng.next() - 0.5) * 0.09, lon: HOME.lon + (rng.next() - 0.5) * 0.1 };
        const row = await ground.create({ category: 'other', priority: 3, ...at, note: 'bench: waiting', vehicleId: null, createdBy: 'room' }, dayPrefix);
        const nearest = officers.map((o) => ({ o, d: metres(o, at) })).sort((a, b) => a.d - b.d).slice(0, 2);
        for (const { o, d } of nearest) await ground.record(row.id, o.name, 'notified', { distanceM: d }, 'dispatched');
      }
    });
  } finally {
    await store.close();
  }
  return { held };
}
