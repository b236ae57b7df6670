import { z } from 'zod';
import type { AircraftMonitor } from '../alerts/aircraft-monitor.ts';
import type { GroundDispatch } from '../alerts/ground.ts';
import type { Officers } from '../alerts/officers.ts';
import type { GroundAlertView } from '../wire/types.ts';
import { isWatcher, type LiveServer } from './live.ts';
import { droneInScope, type IncidentStation, inScope, roomsOf, type StationOf } from './scope.ts';
import { describeIssues } from './validate.ts';

/** How long an officer's phone has to confirm it received an alert before it counts as not delivered. */
const DELIVERY_ACK_MS = 5000;
const Fix = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180), accuracyM: z.number().min(0).max(100_000).optional() });

export const officerRoom = (name: string) => `officer:${name}`;

/**
 * Alerts over socket.io: the command room sees the alerts and officers of its scope live (a
 * station's room its drones', incidents in its area and its officers; the city's all); an officer's phone
 * gets its offers (and confirms delivery), every later change of its jobs (including the one that
 * takes a job off it), and on each (re)connection whatever is still open for it.
 */
export function attachAlerts(
  io: LiveServer,
  o: {
    aircraft: AircraftMonitor;
    ground: GroundDispatch;
    officers: Officers;
    stationOf: StationOf;
    /** where each incident is (scope.ts); not given: no station's, so the city's people's only */
    incidentStation?: IncidentStation;
  },
): void {
  const { aircraft, ground, officers, stationOf, incidentStation = () => null } = o;
  /** An incident as it goes out: with the station whose area holds it. */
  const stationed = (a: GroundAlertView): GroundAlertView => ({ ...a, station: incidentStation(a) });

  io.on('connection', (socket) => {
    const user = socket.data.user;
    if (isWatcher(user)) {
      socket.emit('alerts:aircraft', aircraft.open().filter((a) => droneInScope(user, stationOf, a.vehicleId)));
      socket.emit('alerts:ground', ground.openViews().map(stationed).filter((a) => inScope(user, a.station)));
      socket.emit('officers', officers.list().filter((x) => inScope(user, x.station ?? null)));
    }
    if (!user.roles.includes('officer')) return;
    void socket.join(officerRoom(user.name));
    // A phone (maybe a new one) learns whether its officer is on duty as the server knows it.
    socket.emit('officer:status', officers.phoneConnected(user.name, user.displayName));
    socket.on('disconnect', () => officers.phoneDisconnected(user.name));
    // Catch-up: a phone that was offline gets what is still open for its officer (their own jobs, whatever their scope).
    const mine = ground.viewsFor(user.name);
    socket.emit('alerts:ground', mine.map(stationed));
    // (told, not thrown, when the database refuses: nothing here waits for it)
    for (const a of mine) void ground.delivered(a.id, user.name);

    // A client decides what it sends as the acknowledgement: call it only if it is one.
    const reply = (done: unknown, err: string | null) => {
      if (typeof done === 'function') done(err);
    };
    socket.on('officer:duty', (onDuty, done) => {
      if (typeof onDuty !== 'boolean') return reply(done, 'onDuty must be true or false');
      officers.setDuty(user.name, user.displayName, onDuty);
      reply(done, null);
    });
    socket.on('officer:location', (fix, done) => {
      const r = Fix.safeParse(fix);
      if (!r.success) return reply(done, `invalid location: ${describeIssues(r.error)}`);
      officers.setLocation(user.name, r.data.lat, r.data.lon, r.data.accuracyM ?? null);
      reply(done, null);
    });
  });

  // An aircraft alert is raised where the drone is linked; in a city every node's pages get it (the adapter).
  aircraft.on('alert', (a) => io.to(roomsOf(stationOf(a.vehicleId))).emit('alerts:aircraft', [a]));
  // Every node of a city keeps the same officers (alerts/officers.ts apply()): each tells its own pages,
  // their station's room and the city's.
  officers.on('changed', (v) => {
    io.local.to(roomsOf(v.station ?? null)).emit('officers', [v]);
    io.local.to(officerRoom(v.name)).emit('officer:status', v);
  });
  // One emit to all the rooms: the view is encoded once, and a socket in two rooms gets it once. In a
  // city only the desk's dispatch emits, to every node's pages and phones; so does its offer, whose
  // acknowledgement comes back from whichever node the phone is on. The pages: those of the station
  // whose area holds the incident and the city's; the phones: of the officers it concerns, any station's.
  ground.on('alert', (a: GroundAlertView, phones: string[]) => {
    const view = stationed(a);
    io.to([...roomsOf(view.station ?? null), ...phones.map(officerRoom)]).emit('alerts:ground', [view]);
  });
  ground.on('offer', (officer, a) => {
    io.to(officerRoom(officer)).timeout(DELIVERY_ACK_MS).emit('ground:offer', stationed(a), (err, acks) => {
      // No phone connected means no answer at all: it stays undelivered until the catch-up.
      if (acks.length > 0) void ground.delivered(a.id, officer);
    });
  });
}
