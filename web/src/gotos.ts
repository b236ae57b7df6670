/**
 * Drones sent to a point (无人机先行) and the command room's requests for one, as the service pushes
 * them (socket `gotos`: changed ones, all active on connecting; `drone-requests`: the open list).
 * The pilot's console, the incident cards and the map read them here. Nothing here touches the DOM.
 */

import { signal } from '@preact/signals-core';
import type { DroneRequestView, GotoView } from '../../server/wire/types.ts';
import type { LiveSocket } from './live.ts';

export const isGotoActive = (g: GotoView) => g.state === 'arming' || g.state === 'climbing' || g.state === 'transit' || g.state === 'on_scene';

export class GotoStore {
  /** by goto id: the active ones, and those that ended while this page watched (their end shows) */
  readonly gotos = signal<ReadonlyMap<number, GotoView>>(new Map());
  readonly requests = signal<readonly DroneRequestView[]>([]);
  private resync = false;

  attach(socket: LiveSocket): void {
    socket.on('connect', () => (this.resync = true));
    socket.on('gotos', (list) => {
      const next = new Map(this.resync ? [...this.gotos.value].filter(([, g]) => !isGotoActive(g)) : this.gotos.value);
      this.resync = false;
      for (const g of list) next.set(g.id, g);
      this.gotos.value = next;
    });
    socket.on('drone-requests', (list) => (this.requests.value = list));
  }

  /** Our own request's answer, drawn at once. */
  put(g: GotoView): void {
    this.gotos.value = new Map(this.gotos.value).set(g.id, g);
  }

  /** The drone's goto in progress, else its last one seen here. */
  forVehicle(vehicleId: string): GotoView | undefined {
    let found: GotoView | undefined;
    for (const g of this.gotos.value.values()) {
      if (g.vehicleId !== vehicleId) continue;
      if (!found || (isGotoActive(g) && !isGotoActive(found)) || (isGotoActive(g) === isGotoActive(found) && g.id > found.id)) found = g;
    }
    return found;
  }

  /** The drone sent to this incident: the one there now, else the last one. */
  forIncident(alertId: number): GotoView | undefined {
    let found: GotoView | undefined;
    for (const g of this.gotos.value.values()) {
      if (g.alertId !== alertId) continue;
      if (!found || (isGotoActive(g) && !isGotoActive(found)) || (isGotoActive(g) === isGotoActive(found) && g.id > found.id)) found = g;
    }
    return found;
  }

  requestFor(alertId: number): DroneRequestView | undefined {
    return this.requests.value.find((r) => r.alertId === alertId);
  }

  active(): GotoView[] {
    return [...this.gotos.value.values()].filter(isGotoActive);
  }
}
