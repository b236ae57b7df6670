import type http from 'node:http';
import { Server } from 'socket.io';
import type { Fleet } from '../vehicles/fleet.ts';
import type { Vehicle } from '../vehicles/vehicle.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../wire/types.ts';
import { vehicleView, vehicleViews } from './views.ts';

/** Update batches per second per client at most: a map needs no more, and telemetry arrives faster. */
const BATCH_MS = 250;
/** A full snapshot this often heals whatever a slow client's dropped batches left stale. */
const SNAPSHOT_MS = 3000;

/**
 * Live vehicle updates over socket.io, coalesced: each vehicle appears at most once per batch,
 * whatever its telemetry rate, and batches are volatile — a client that cannot keep up skips
 * batches instead of making the service queue for it.
 */
export function attachLive(server: http.Server, fleet: Fleet): { io: Server; close(): Promise<void> } {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
  });
  const dirty = new Set<Vehicle>();
  const onChanged = (v: Vehicle) => dirty.add(v);
  fleet.on('changed', onChanged);

  io.on('connection', (socket) => {
    socket.emit('vehicles:snapshot', vehicleViews(fleet));
  });

  const batch = setInterval(() => {
    if (dirty.size === 0) return;
    const views = [...dirty].map((v) => vehicleView(fleet, v));
    dirty.clear();
    io.volatile.emit('vehicles:update', views);
  }, BATCH_MS);
  const snapshot = setInterval(() => io.volatile.emit('vehicles:snapshot', vehicleViews(fleet)), SNAPSHOT_MS);

  return {
    io,
    close: () => new Promise((resolve) => {
      clearInterval(batch);
      clearInterval(snapshot);
      fleet.off('changed', onChanged);
      io.close(() => resolve());
    }),
  };
}
