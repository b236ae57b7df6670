import { common, type MavLinkData } from 'node-mavlink';
import type { Frame } from '../mavlink/framer.ts';

/**
 * The answer to a PING request, or null when `ping` is not one. MAVLink's ping protocol: a
 * request has target_system and target_component 0 (any system may answer); the answer copies
 * time_usec and seq and is addressed to the requester, and a PING with a target is such an
 * answer, never answered again. PX4 pings every 10 s and keeps the round trip as link statistics.
 */
export function answerPing(ping: common.Ping, from: Frame): common.Ping | null {
  if (ping.targetSystem !== 0 || ping.targetComponent !== 0) return null;
  const pong = new common.Ping();
  pong.timeUsec = ping.timeUsec;
  pong.seq = ping.seq;
  pong.targetSystem = from.sysid;
  pong.targetComponent = from.compid;
  return pong;
}

/**
 * A command a vehicle addresses to its own system: PX4 sends copies of its internal commands
 * (the RTL at a mission's end, gimbal and camera set-up) on the link, repeated because nobody
 * acknowledges them. They are not commands to this station, nor from it.
 */
export function isOwnCommand(from: Frame, msg: MavLinkData): boolean {
  return (from.msgid === common.CommandLong.MSG_ID || from.msgid === common.CommandInt.MSG_ID)
    && (msg as common.CommandLong | common.CommandInt).targetSystem === from.sysid;
}
