import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, GroundAlertView, ServerToClientEvents } from '../../server/wire/types.ts';
import type { testService } from './service.ts';

type T = Awaited<ReturnType<typeof testService>>;
export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Wenling: an incident, and places a known distance north of it. */
export const SCENE = { lat: 28.3700, lon: 121.3800 };
export const at = (metresNorth: number) => ({ lat: SCENE.lat + metresNorth / 111_320, lon: SCENE.lon });

/**
 * An officer's phone over a real socket: logged in, on duty at a position, confirming every
 * offer; it keeps the offers, the latest view of each alert, and every alerts:ground message in
 * order of arrival.
 */
export async function officerPhone(t: T, name: string, metresNorth: number) {
  const token = await t.user(name, ['officer']);
  const offers: GroundAlertView[] = [];
  const seen = new Map<number, GroundAlertView>();
  const messages: GroundAlertView[][] = [];
  const socket: LiveSocket = t.socket(token);
  socket.on('ground:offer', (a, delivered) => {
    offers.push(a);
    delivered(true);
  });
  socket.on('alerts:ground', (list) => {
    messages.push(list);
    for (const a of list) seen.set(a.id, a);
  });
  await new Promise<void>((r) => socket.on('connect', () => r()));
  await new Promise<void>((r) => socket.emit('officer:duty', true, () => r()));
  const moveTo = (metres: number) =>
    new Promise<void>((r, reject) => socket.emit('officer:location', at(metres), (err) => (err ? reject(new Error(err)) : r())));
  await moveTo(metresNorth);
  return {
    name,
    token,
    offers,
    seen,
    messages,
    socket,
    moveTo,
    /**
     * A round trip on this socket: once it is answered, everything the service sent this phone
     * before has arrived (one socket delivers in order).
     */
    synced: () => new Promise<void>((r) => socket.emit('officer:duty', true, () => r())),
  };
}
