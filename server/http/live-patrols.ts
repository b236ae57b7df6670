import type { ControlRegistry } from '../patrols/control.ts';
import type { Patrols } from '../patrols/patrols.ts';
import type { Scheduler } from '../patrols/scheduler.ts';
import { FLEET_ROOM, isWatcher, type LiveServer } from './live.ts';

/** Patrol progress and who holds which drone, for pilots and the command room. */
export function attachPatrols(io: LiveServer, o: { patrols: Patrols; control: ControlRegistry; scheduler: Scheduler }): void {
  io.on('connection', (socket) => {
    if (!isWatcher(socket.data.user)) return;
    socket.emit('runs', o.patrols.activeViews());
    socket.emit('control', o.control.all());
    socket.emit('patrols:due', o.scheduler.list());
  });
  // Whole lists, as this node knows them, go to this node's pages only: in a city each node sends its
  // own (control is read again from the store when another node changes it: service.ts).
  o.scheduler.on('due', (due) => io.local.to(FLEET_ROOM).emit('patrols:due', due));
  // A run's change goes to every node's pages (through the city's adapter).
  o.patrols.on('run', (run) => io.to(FLEET_ROOM).emit('runs', [run]));
  o.control.on('changed', () => io.local.to(FLEET_ROOM).emit('control', o.control.all()));
}
