import type { ControlRegistry } from '../patrols/control.ts';
import type { Patrols } from '../patrols/patrols.ts';
import type { Scheduler } from '../patrols/scheduler.ts';
import type { RouteStore } from '../missions/store.ts';
import { CITY_SCOPE, type DuePatrol } from '../wire/types.ts';
import { isWatcher, type LiveServer } from './live.ts';
import { dueFor, routeStationIn, type StationOfRoute } from './route-scope.ts';
import { droneInScope, roomsOf, scopeOf, type StationOf } from './scope.ts';

/** Patrol progress and who holds which drone, for pilots and the command room: each station its own, the city all. */
export function attachPatrols(
  io: LiveServer,
  o: { patrols: Patrols; control: ControlRegistry; scheduler: Scheduler; stationOf: StationOf; routes: RouteStore; stationOfRoute: StationOfRoute },
): void {
  const routeStation = routeStationIn(o.routes, o.stationOfRoute);
  const scopeRooms = () => [...io.sockets.adapter.rooms].filter(([room, members]) => room.startsWith('scope:') && members.size > 0).map(([room]) => room);
  const sendDue = (due: DuePatrol[]) => {
    for (const room of scopeRooms()) io.local.to(room).emit('patrols:due', dueFor(room.slice('scope:'.length), due, routeStation));
  };
  /** who holds the drones a scope may see */
  const controlOf = (scope: string) =>
    scope === CITY_SCOPE ? o.control.all() : Object.fromEntries(Object.entries(o.control.all()).filter(([id]) => o.stationOf(id) === scope));
  io.on('connection', (socket) => {
    const user = socket.data.user;
    if (!isWatcher(user)) return;
    socket.emit('runs', o.patrols.activeViews().filter((r) => droneInScope(user, o.stationOf, r.vehicleId)));
    socket.emit('control', controlOf(scopeOf(user)));
    socket.emit('patrols:due', dueFor(scopeOf(user), o.scheduler.list(), routeStation));
  });
  // Whole lists, as this node knows them, go to this node's pages only: in a city each node sends its
  // own (control is read again from the store when another node changes it: service.ts). Each scope's
  // pages get their own: a station's, its routes' due patrols and the city's routes'.
  o.scheduler.on('due', (due) => sendDue(due));
  // A route can change station with its due patrols unchanged (the scheduler then says nothing): each
  // scope's list is sent again, once for a folder's worth of changes.
  let resend = false;
  o.routes.on('changed', () => {
    if (resend) return;
    resend = true;
    setImmediate(() => {
      resend = false;
      sendDue(o.scheduler.list());
    });
  });
  // A run's change goes to its station's pages and the city's, on every node (through the city's adapter).
  o.patrols.on('run', (run) => io.to(roomsOf(o.stationOf(run.vehicleId))).emit('runs', [run]));
  o.control.on('changed', () => {
    for (const [room, members] of io.sockets.adapter.rooms) {
      if (room.startsWith('scope:') && members.size) io.local.to(room).emit('control', controlOf(room.slice('scope:'.length)));
    }
  });
}
