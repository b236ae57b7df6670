import type { JournalState } from '../store/write-journal.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import type { Vehicle } from '../vehicles/vehicle.ts';
import type { HealthView, LinkView, StoreHealth, VehicleView } from '../wire/types.ts';

export function vehicleView(fleet: Fleet, v: Vehicle): VehicleView {
  return { ...v.view(fleet.crcErrorsOf(v)), station: fleet.station };
}

export function vehicleViews(fleet: Fleet): VehicleView[] {
  return [...fleet.vehicles.values()].map((v) => vehicleView(fleet, v));
}

export function linkViews(fleet: Fleet): LinkView[] {
  return [...fleet.connections.values()].map((c) => {
    const n = c.counters();
    const s = c.signatureCounters();
    return {
      id: c.id,
      uri: c.link.uri,
      state: c.link.state,
      detail: c.link.detail,
      peers: c.link.peerCount,
      frames: n.frames,
      crcErrors: n.crcErrors,
      droppedBytes: n.droppedBytes,
      signing: s !== null,
      unsigned: s?.unsigned ?? 0,
      badSignature: s?.badSignature ?? 0,
      replayed: s?.replayed ?? 0,
    };
  });
}

export function healthView(fleet: Fleet, startedAt: number, database: StoreHealth['database'], journal: JournalState): HealthView {
  const links = [...fleet.connections.values()];
  const vehicles = [...fleet.vehicles.values()];
  const store: StoreHealth = {
    database,
    state: journal.failingSince !== null ? 'away' : 'ok',
    since: journal.failingSince,
    pending: journal.pending,
    journalBytes: journal.bytes,
    journalMaxBytes: journal.maxBytes,
    filling: journal.filling,
    droppedTrackSeconds: journal.dropped,
  };
  return {
    status: store.state === 'ok' && !store.filling ? 'ok' : 'degraded',
    store,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    links: { total: links.length, up: links.filter((c) => c.link.state === 'up').length },
    vehicles: { total: vehicles.length, lost: vehicles.filter((v) => v.lost).length },
  };
}
