/**
 * Each node's station as the node last said it (table cluster_stations). The bus tells a node the
 * stations of the nodes it hears; this tells one that starts while another node is down, so that
 * station's area is still its own (its incidents, numbered as its own; its routes) — the centre
 * restarted during a station's outage must not refuse an incident there as outside every area.
 */
import type { Db } from '../store/connection.ts';

/** A station as it is kept: what does not change while its node runs (http/remote-fleet.ts NodeStation adds its patrols in the air). */
export interface StoredStation {
  id: string;
  name: string;
  /** its incident numbers' code and day (config station.code, station.timeZone) */
  code: string;
  timeZone: string;
  lat: number;
  lon: number;
  radiusKm: number;
}

/** What a stored station must have, and of what type: a row written by another version is skipped, not trusted. */
const STATION_FIELDS: [keyof StoredStation, 'string' | 'number'][] = [
  ['id', 'string'],
  ['name', 'string'],
  ['code', 'string'],
  ['timeZone', 'string'],
  ['lat', 'number'],
  ['lon', 'number'],
  ['radiusKm', 'number'],
];

export interface SaidStation {
  node: string;
  station: StoredStation;
  /** the link ids the node is configured with: its drones' station while they are not heard */
  links: string[];
  saidAt: number;
}

/** How long a node's word stands: a node says it at its start and every hour, one gone for a day (renamed, retired) is forgotten. */
export const STATION_SAID_FOR_MS = 24 * 3600_000;

/** `node` says its station and links now (one statement; the same node saying it again replaces it). */
export async function sayStation(db: Db, node: string, station: StoredStation, links: string[], now: number): Promise<void> {
  const row = { node, station: JSON.stringify(station), links: JSON.stringify(links), said_at: now };
  await db.k.insertInto('cluster_stations').values(row)
    .onConflict((oc) => oc.column('node').doUpdateSet({ station: row.station, links: row.links, said_at: now }))
    .execute();
}

/** What every node said within STATION_SAID_FOR_MS of now, but `self`; a row that does not read as a station is skipped, and given to `bad`. */
export async function saidStations(db: Db, self: string, now: number, bad: (node: string, why: string) => void = () => {}): Promise<SaidStation[]> {
  const rows = await db.k.selectFrom('cluster_stations').selectAll()
    .where('node', '<>', self).where('said_at', '>=', now - STATION_SAID_FOR_MS)
    .orderBy('node').execute();
  const out: SaidStation[] = [];
  for (const r of rows) {
    try {
      const station = JSON.parse(r.station) as Record<string, unknown> | null;
      const links = JSON.parse(r.links) as unknown;
      const wrong = STATION_FIELDS.filter(([key, type]) => typeof station?.[key] !== type).map(([key, type]) => `${key} (${type})`);
      if (wrong.length) throw new Error(`station: ${wrong.join(', ')} missing or of another type`);
      if (!Array.isArray(links) || !links.every((l) => typeof l === 'string')) throw new Error('links: not a list of ids');
      out.push({ node: r.node, station: station as unknown as StoredStation, links, saidAt: Number(r.said_at) });
    } catch (err) {
      bad(r.node, (err as Error).message);
    }
  }
  return out;
}

/** Rows not said for STATION_SAID_FOR_MS: nodes renamed or retired. */
export async function forgetSilentStations(db: Db, now: number): Promise<void> {
  await db.k.deleteFrom('cluster_stations').where('said_at', '<', now - STATION_SAID_FOR_MS).execute();
}
