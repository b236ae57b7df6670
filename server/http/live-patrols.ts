import type { ControlRegistry } from '../patrols/control.ts';
import type { Patrols } from '../patrols/patrols.ts';
import type { Scheduler } from '../patrols/scheduler.ts';
import { CITY_SCOPE } from '../wire/types.ts';
import { FLEET_ROOM, isWatcher, type LiveServer } from './live.ts';
import { droneInScope, roomsOf, scopeOf, type StationOf } from './scope.ts';

/** Patrol progress and who holds which drone, for pilots and the command room: each station its own, the city all. */
export function attachPatrols(io: LiveServer, o: { patrols: Patrols; control: ControlRegistry; scheduler: Scheduler; stationOf: StationOf }): void {
  /** who holds the drones a scope may see */
  const controlOf = (scope: string) =>
    scope === CITY_SCOPE ? o.control.all() : Object.fromEntries(Object.entries(o.control.all()).filter(([id]) => o.stationOf(id) === scope));
  io.on('connection', (socket) => {
    const user = socket.data.user;
    if (!isWatcher(user)) return;
    socket.emit('runs', o.patrols.activeViews().filter((r) => droneInScope(user, o.stationOf, r.vehicleId)));
    socket.emit('control', controlOf(scopeOf(user)));
    socket.emit('patrols:due', o.scheduler.list());
  });
  // Whole lists, as this node knows them, go to this node's pages only: in a city each node sends its
  // own (control is read again from the store when another node changes it: service.ts).
  o.scheduler.on('due', (due) => io.local.to(FLEET_ROOM).emit('patrols:due', due));
  // A run's change goes to its station's pages and the city's, on every node (through the city's adapter).
  o.patrols.on('run', (run) => io.to(roomsOf(o.stationOf(run.vehicleId))).emit('runs', [run]));
  o.control.on('changed', () => {
    for (const [room, members] of io.sockets.adapter.rooms) {
      if (room.startsWith('scope:') && members.size) io.local.to(room).emit('control', controlOf(room.slice('scope:'.length)));
    }
  });
}
