/**
 * The page's copy of the fleet (the server's Fleet, as the service last told it): the latest view
 * of every drone, plus what changed since the last frame. Updates arrive faster
 * than the screen needs them; keeping only the newest view per drone bounds the work per frame.
 */

import type { VehicleView } from '../../server/wire/types.ts';

export interface FleetChanges {
  changed: VehicleView[];
  removed: string[];
}

export class FleetMirror {
  readonly vehicles = new Map<string, VehicleView>();
  /** true once a full list (GET or snapshot) has been applied */
  seeded = false;
  private readonly changed = new Set<string>();
  private readonly removed = new Set<string>();

  /** A full list: drones missing from it are gone. */
  replaceAll(list: VehicleView[]): void {
    const ids = new Set(list.map((v) => v.id));
    for (const id of this.vehicles.keys()) {
      if (!ids.has(id)) {
        this.vehicles.delete(id);
        this.changed.delete(id);
        this.removed.add(id);
      }
    }
    this.upsert(list);
    this.seeded = true;
  }

  upsert(list: VehicleView[]): void {
    for (const view of list) {
      this.vehicles.set(view.id, view);
      this.changed.add(view.id);
      this.removed.delete(view.id);
    }
  }

  /** Marks every drone changed, e.g. after a language switch. */
  touchAll(): void {
    for (const id of this.vehicles.keys()) this.changed.add(id);
  }

  /** What changed since the last take, then forgets it. */
  take(): FleetChanges {
    const changes = {
      changed: [...this.changed].map((id) => this.vehicles.get(id)!),
      removed: [...this.removed],
    };
    this.changed.clear();
    this.removed.clear();
    return changes;
  }

  counts(): { total: number; warning: number; lost: number } {
    let warning = 0;
    let lost = 0;
    for (const v of this.vehicles.values()) {
      if (v.health === 'warning') warning++;
      else if (v.health === 'lost') lost++;
    }
    return { total: this.vehicles.size, warning, lost };
  }
}
