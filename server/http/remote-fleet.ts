import type { StoredStation } from '../cluster/station-table.ts';
import type { VehicleView } from '../wire/types.ts';

/** A drone's link, from its id "<link>-<sysid>". */
export const linkOf = (vehicleId: string) => vehicleId.replace(/-\d+$/, '');

/** A node that has sent nothing for this long is taken to be down: its drones show their link lost. */
export const NODE_SILENT_MS = 7000;
/** …and after this long its drones leave the map, unless another node has taken their link over. */
const FORGET_MS = 120_000;

/** A node's station, as it tells the others with each snapshot: as it is kept in the store, and its patrols in the air. */
export type NodeStation = StoredStation & { patrolsRunning: number };

/** A station as a node of the city told it: the node serving it, and whether that node has gone silent (NODE_SILENT_MS). */
export type StationOfNode = NodeStation & { node: string; silent: boolean };

interface Held {
  node: string;
  view: VehicleView;
  /** when the node last sent anything */
  at: number;
}

/**
 * The drones linked at the city's other nodes, as their nodes last sent them: what this node shows
 * beside its own (the map's snapshots, GET /api/vehicles) and where it sends a command for one of
 * them. A drone belongs to the node that sent it last, so when its link moves to another node
 * (failover) it follows at the first update.
 */
export class RemoteFleet {
  private readonly byId = new Map<string, Held>();
  private readonly heard = new Map<string, number>();
  /** every link the other nodes serve or stand by for, and its station: a drone's station when it is not heard now (its past runs) */
  private readonly linkStations = new Map<string, string>();

  /** An update from `node` (its changed drones), or with `full` all it serves now (its snapshot). */
  apply(node: string, views: VehicleView[], full: boolean, now: number, local: (id: string) => boolean): VehicleView[] {
    this.heard.set(node, now);
    if (full) {
      const ids = new Set(views.map((v) => v.id));
      for (const [id, h] of this.byId) if (h.node === node && !ids.has(id)) this.byId.delete(id);
    }
    // A drone this node serves itself is shown as it hears it: another's word on it is stale.
    const taken = views.filter((v) => !local(v.id));
    for (const view of taken) this.byId.set(view.id, { node, view, at: now });
    return taken;
  }

  /** The node a drone is linked at, if another; null when no other node has it. */
  ownerOf(id: string): string | null {
    return this.byId.get(id)?.node ?? null;
  }

  /** what each node last said of itself: its station, and the patrols it has in the air */
  private readonly stationsByNode = new Map<string, NodeStation>();

  /** What a node says of itself with its snapshot: its station, and the links it is configured with. */
  node(node: string, station: NodeStation, links: string[]): void {
    this.stationsByNode.set(node, station);
    for (const l of links) this.linkStations.set(l, station.id);
  }

  /** where each node is reached over HTTP by the other nodes, as it last said (its snapshot's url) */
  private readonly urls = new Map<string, string>();

  /** What a node says with its snapshot of where the others reach it: its base URL, http(s)://HOST:PORT. */
  reachAt(node: string, url: string): void {
    this.urls.set(node, url);
  }

  /** A node's base URL, as it last said; null when it has not said yet. */
  urlOf(node: string): string | null {
    return this.urls.get(node) ?? null;
  }

  /**
   * Every station heard of since this node started, each with the node serving it and whether that
   * node is silent now. A station is never forgotten while this node runs: when its node dies its
   * area is still its own — an incident there is still the station's, numbered as the station's and
   * raised at the centre, and its routes stay its own — which is when the centre needs it most.
   */
  stations(now: number): StationOfNode[] {
    return [...this.stationsByNode].map(([node, st]) => {
      const silent = now - (this.heard.get(node) ?? 0) > NODE_SILENT_MS;
      // A dead node flies nothing: its patrols were picked up by the node taking its links over, or are lost.
      return { ...st, node, silent, patrolsRunning: silent ? 0 : st.patrolsRunning };
    });
  }

  /** The station a remote drone belongs to, as its node sent it, or by its link's; null when no other node knows it. */
  stationOf(id: string): string | null {
    return this.byId.get(id)?.view.station ?? this.linkStations.get(linkOf(id)) ?? null;
  }

  /** When `node` was last heard, or null. */
  lastHeard(node: string): number | null {
    return this.heard.get(node) ?? null;
  }

  /**
   * Every remote drone, those of a silent node shown with their link lost (as a drone of our own
   * would be), and forgotten after a while.
   */
  views(now: number): VehicleView[] {
    const out: VehicleView[] = [];
    for (const [id, h] of this.byId) {
      const silent = now - (this.heard.get(h.node) ?? h.at);
      if (silent > FORGET_MS) {
        this.byId.delete(id);
        continue;
      }
      out.push(silent > NODE_SILENT_MS ? { ...h.view, health: 'lost', link: { ...h.view.link, lost: true } } : h.view);
    }
    return out;
  }

  /** Each node heard from, and how many drones it serves. */
  nodes(now: number): { node: string; drones: number; silentMs: number }[] {
    return [...this.heard].map(([node, at]) => ({ node, drones: [...this.byId.values()].filter((h) => h.node === node).length, silentMs: now - at }));
  }
}
