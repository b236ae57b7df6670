import crypto from 'node:crypto';
import type { AircraftMonitor } from './alerts/aircraft-monitor.ts';
import type { GroundDispatch } from './alerts/ground.ts';
import type { OfficerOp, Officers } from './alerts/officers.ts';
import type { CityBus } from './cluster/bus.ts';
import type { CommandClaims } from './cluster/command-claims.ts';
import type { Leases } from './cluster/leases.ts';
import { forgetSilentStations, saidStations, sayStation, type StoredStation } from './cluster/station-table.ts';
import { linkOf, type RemoteFleet } from './http/remote-fleet.ts';
import type { Connection } from './links/connection.ts';
import { redactLinkUri } from './links/uri.ts';
import type { Logger } from './log.ts';
import type { ControlRegistry } from './patrols/control.ts';
import type { Gotos } from './patrols/goto.ts';
import type { Patrols } from './patrols/patrols.ts';
import type { SlotClaims } from './patrols/scheduler.ts';
import type { Db } from './store/connection.ts';
import type { Fleet } from './vehicles/fleet.ts';
import type { AircraftAlertView, GroundAlertView } from './wire/types.ts';

/**
 * What makes one node a member of a city, wired beside the service (service.ts): what the nodes tell
 * each other over the bus, the leases that decide who does what, and the claims that make a thing
 * happen once. Each part is small; together they are README's "A city".
 */

/** The lease of the city's dispatch desk: the one node whose dispatch alerts officers and escalates. */
export const DESK_LEASE = 'dispatch';
/** A leased link this node could not open (its port taken, say) is asked for again after this long. */
const RETRY_LINK_MS = 30_000;
const HOUR = 3600_000;

/** Says on the log how the city's bus is: away, back, a message dropped for its seal. */
export function logBus(bus: CityBus, redisUrl: string, log: Logger): void {
  bus.on('down', (reason) => log.error(`city bus (Redis) away: ${reason}; this node goes on serving its own drones`));
  bus.on('up', () => log.info('city bus (Redis) answers again'));
  if (!bus.up) log.error(`city bus (Redis) does not answer at ${redisUrl}; this node serves its own drones and joins when it answers`);
  bus.on('rejected', (reason) => log.warn({ rejected: Object.fromEntries(bus.signer.rejected) }, `city bus: a message dropped (${reason})`));
}

/**
 * Alerts and officers as one city: every node's officers and aircraft alerts are every node's, and
 * one node at a time (a lease) is the dispatch desk, which alerts and escalates while the others
 * mirror its incidents and send it the deliveries their phones confirm.
 */
export function shareDispatch(o: { bus: CityBus; leases: Leases; officers: Officers; aircraft: AircraftMonitor; ground: GroundDispatch; log: Logger }): void {
  const { bus, officers, aircraft, ground, log } = o;
  officers.on('op', (op) => void bus.send(null, 'officer', op));
  bus.handle('officer', (_from, op) => officers.apply(op as OfficerOp));
  aircraft.on('alert', (v) => void bus.send(null, 'aircraft-alert', v));
  bus.handle('aircraft-alert', (_from, v) => aircraft.mirror(v as AircraftAlertView));
  ground.on('alert', (v) => void bus.send(null, 'incident', v));
  bus.handle('incident', (_from, v) => ground.mirror(v as GroundAlertView));
  ground.deliveredElsewhere = (id, officer) => void bus.send(null, 'delivered', { id, officer });
  bus.handle('delivered', (_from, d) => {
    const { id, officer } = d as { id: number; officer: string };
    if (ground.acting && typeof id === 'number' && typeof officer === 'string') void ground.delivered(id, officer);
  });
  o.leases.hold(DESK_LEASE, {
    gained: async () => {
      await ground.setActive(true);
      log.warn("this node is the city's dispatch desk now: it alerts officers and escalates");
    },
    lost: async (reason) => {
      await ground.setActive(false);
      log.error(`this node is no longer the city's dispatch desk: ${reason}`);
    },
  });
}

/** Who holds which drone is the store's: when another node changes it, this one reads it again. */
export function shareControl(bus: CityBus, control: ControlRegistry, log: Logger): void {
  control.on('changed', () => void bus.send(null, 'control', null));
  bus.handle('control', () => void control.refresh().catch((err: Error) => log.warn(`reading drone control again: ${err.message}`)));
}

/** A scheduled slot's claim in the city's store: its id a hash of the slot (route and time), its result the run. */
export function slotClaims(claims: CommandClaims): SlotClaims {
  const idOf = (slot: string) => `sched-${crypto.createHash('sha256').update(slot).digest('hex').slice(0, 40)}`;
  return {
    async claim(slot) {
      const c = await claims.claim(idOf(slot));
      if (c === 'claimed' || (c.node === claims.node && c.state === 'running')) return { mine: true };
      const runId = c.state === 'done' ? (c.result as { runId?: number } | null)?.runId ?? null : null;
      return { mine: false, node: c.node, runId };
    },
    launched: (slot, runId) => claims.finish(idOf(slot), { runId }),
    release: (slot) => claims.release(idOf(slot)),
  };
}

/**
 * This node's station, in the store for the nodes that start while it is down (said now and every
 * hour, cluster/station-table.ts); and the stations the others said, known here (silent) until they
 * are heard on the bus. The store not answering is said on the log, never fatal. Returns its stop.
 */
export async function shareStations(
  o: { db: Db; node: string; station: StoredStation; links: string[]; remote: RemoteFleet; log: Logger },
): Promise<() => void> {
  const say = async () => {
    const now = Date.now();
    await sayStation(o.db, o.node, o.station, o.links, now);
    await forgetSilentStations(o.db, now);
  };
  try {
    await say();
    for (const s of await saidStations(o.db, o.node, Date.now(), (node, why) => o.log.warn(`the station node ${node} said in the store is skipped: ${why}`))) {
      o.remote.node(s.node, { ...s.station, patrolsRunning: 0 }, s.links);
    }
  } catch (err) {
    o.log.warn(`the city's stations could not be read from the store (${(err as Error).message}): known as their nodes are heard`);
  }
  const t = setInterval(() => void say().catch((err: Error) => o.log.warn(`saying this node's station in the store: ${err.message}`)), HOUR);
  return () => clearInterval(t);
}

/** A week of claims: far beyond a signed message's window (cluster/signing.ts) and a schedule's grace. Returns its stop. */
export function pruneClaimsHourly(claims: CommandClaims, log: Logger): () => void {
  const t = setInterval(() => void claims.prune(7 * 24 * HOUR).catch((err: Error) => log.warn(`pruning the city's command claims: ${err.message}`)), HOUR);
  return () => clearInterval(t);
}

/**
 * Network links configured on several nodes, each served by one at a time under its lease
 * (`link:<id>`): gaining it opens the link and picks up its drones' runs and gotos as after a restart;
 * losing it lets them go and closes the link. A link that cannot be opened here is given up, so
 * another node may serve it, and asked for again later. Returns what to close, in this order.
 */
export function serveLeasedLinks(o: {
  leases: Leases;
  links: { id: string; uri: string }[];
  open(l: { id: string; uri: string }): Promise<Connection>;
  fleet: Fleet;
  patrols: Patrols;
  gotos: Gotos;
  log: Logger;
}): { close(): Promise<void> } {
  const { leases, fleet, patrols, gotos, log } = o;
  const served = new Map<string, Connection>();
  const retries = new Set<NodeJS.Timeout>();
  const onLink = (linkId: string) => (vehicleId: string) => linkOf(vehicleId) === linkId;
  const hold = (l: { id: string; uri: string }) =>
    leases.hold(`link:${l.id}`, {
      gained: async () => {
        try {
          served.set(l.id, await o.open(l));
        } catch (err) {
          // Held but not served would keep it from every other node: given up, asked for again later.
          log.error(`link ${l.id} (${redactLinkUri(l.uri)}): cannot be opened here (${(err as Error).message}); left to another node`);
          void leases.release(`link:${l.id}`).then(() => {
            const again = setTimeout(() => {
              retries.delete(again);
              hold(l);
            }, RETRY_LINK_MS);
            retries.add(again);
          });
          return;
        }
        log.warn(`link ${l.id} (${redactLinkUri(l.uri)}): served by this node now`);
        // its runs and gotos in the air are picked up as after a restart, from the store and telemetry
        await patrols.resume(Date.now(), onLink(l.id));
        await gotos.resume(onLink(l.id));
      },
      lost: async (reason) => {
        log.error(`link ${l.id} (${redactLinkUri(l.uri)}): no longer served by this node: ${reason}`);
        patrols.letGo(onLink(l.id));
        gotos.letGo(onLink(l.id));
        const conn = served.get(l.id);
        served.delete(l.id);
        if (conn) {
          fleet.removeConnection(conn);
          await conn.close();
        }
      },
    });
  for (const l of o.links) hold(l);
  return {
    // The leases are given up first (another node may take the links at once), then the links close.
    async close() {
      for (const t of retries) clearTimeout(t);
      await leases.close();
      for (const conn of served.values()) await conn.close();
    },
  };
}
