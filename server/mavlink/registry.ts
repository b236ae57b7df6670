import {
  minimal,
  common,
  standard,
  ardupilotmega,
  development,
  uavionix,
  asluav,
  storm32,
  icarous,
  ualberta,
  MSG_ID_MAGIC_NUMBER,
  type MavLinkData,
  type MavLinkDataConstructor,
} from 'node-mavlink';

export type MessageClass = MavLinkDataConstructor<MavLinkData>;

/**
 * One registry of every message class from every dialect namespace. Messages move between
 * namespaces across mavlink-mappings versions (GLOBAL_POSITION_INT went from common to standard),
 * so we merge REGISTRY objects instead of naming a namespace per message. Enums are never merged
 * here: spreading ardupilotmega's MavCmd over common's would drop common's commands.
 */
const registry = new Map<number, MessageClass>();
for (const ns of [minimal, common, standard, ardupilotmega, development, uavionix, asluav, storm32, icarous, ualberta]) {
  for (const [id, cls] of Object.entries(ns.REGISTRY)) {
    if (!registry.has(Number(id))) registry.set(Number(id), cls as MessageClass);
  }
}

export function messageClass(msgid: number): MessageClass | undefined {
  return registry.get(msgid);
}

/** CRC_EXTRA of a message id, or undefined when the id is unknown to every dialect we load. */
export function crcExtra(msgid: number): number | undefined {
  const magic = (MSG_ID_MAGIC_NUMBER as Record<number, number>)[msgid];
  return magic ?? registry.get(msgid)?.MAGIC_NUMBER;
}

export function messageName(msgid: number): string {
  return registry.get(msgid)?.MSG_NAME ?? `MSG_${msgid}`;
}
