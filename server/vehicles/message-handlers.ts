import type { MavLinkData, MavLinkDataConstructor } from 'node-mavlink';
import type { Incoming } from '../links/connection.ts';

/** What a handler gets: the message, typed by the class it was registered with, and its frame. */
export type MessageHandler<T extends MavLinkData> = (msg: T, incoming: Incoming) => void;

interface Entry {
  fn: MessageHandler<MavLinkData>;
  /** cleared on unsubscribe, so a handler removed while a message is being handed out gets no more */
  live: boolean;
}

/**
 * Handlers registered per vehicle and message id, as MAVSDK's MavlinkMessageHandler keeps them per
 * system: a message goes only to the handlers of its vehicle and its id, so code waiting for one
 * COMMAND_ACK is not called for the hundreds of positions a second the fleet receives. Unlike
 * MAVSDK's one list scanned for every message, the table is keyed by vehicle and then id, and a
 * registration returns its own unsubscribe instead of taking a cookie. Handlers may subscribe and
 * unsubscribe while a message is being handed out (lists are replaced, never changed in place):
 * one added then sees the next message, one removed sees no more.
 */
export class MessageHandlers {
  private readonly byVehicle = new Map<string, Map<number, Entry[]>>();

  /** Call `fn` with every `cls` message from vehicle `vehicleId` until the returned function is called. */
  on<T extends MavLinkData>(vehicleId: string, cls: MavLinkDataConstructor<T>, fn: MessageHandler<T>): () => void {
    let ids = this.byVehicle.get(vehicleId);
    if (!ids) this.byVehicle.set(vehicleId, ids = new Map());
    const entry: Entry = { fn: fn as MessageHandler<MavLinkData>, live: true };
    const id = cls.MSG_ID;
    ids.set(id, [...(ids.get(id) ?? []), entry]);
    return () => {
      if (!entry.live) return;
      entry.live = false;
      const rest = ids.get(id)!.filter((e) => e !== entry);
      if (rest.length) ids.set(id, rest);
      else ids.delete(id);
      if (ids.size === 0 && this.byVehicle.get(vehicleId) === ids) this.byVehicle.delete(vehicleId);
    };
  }

  /** Hand a decoded message of a vehicle to the handlers registered for it. */
  dispatch(vehicleId: string, incoming: Incoming): void {
    const list = this.byVehicle.get(vehicleId)?.get(incoming.frame.msgid);
    if (!list) return;
    for (const e of list) if (e.live) e.fn(incoming.msg!, incoming);
  }

  /** How many handlers a vehicle has (all ids), for tests and leaks. */
  count(vehicleId: string): number {
    let n = 0;
    for (const list of this.byVehicle.get(vehicleId)?.values() ?? []) n += list.length;
    return n;
  }
}
