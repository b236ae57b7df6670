import { x25crc } from 'node-mavlink';

export interface RawPacketOptions {
  seq?: number;
  sysid?: number;
  compid?: number;
  /** default PX4's EVENT (410), which no dialect here knows */
  msgid?: number;
  /** the message's CRC_EXTRA (EVENT: 160); only the sender needs it */
  crcExtra?: number;
  payload?: Buffer;
  /** set the signed incompatibility flag (the signature itself is appended by LinkSigning.sign) */
  signedFlag?: boolean;
}

/**
 * A correctly made MAVLink 2 packet of any message id, built byte by byte: how a test sends a
 * message no dialect here knows (node-mavlink serializes only the messages it has classes for).
 */
export function rawPacket(o: RawPacketOptions = {}): Buffer {
  const payload = o.payload ?? Buffer.from([1, 2, 3, 0xfd, 5]);
  const msgid = o.msgid ?? 410;
  const p = Buffer.alloc(10 + payload.length + 2);
  p.set([0xfd, payload.length, o.signedFlag ? 1 : 0, 0, o.seq ?? 0, o.sysid ?? 1, o.compid ?? 1, msgid & 0xff, (msgid >> 8) & 0xff, msgid >> 16]);
  payload.copy(p, 10);
  p.writeUInt16LE(x25crc(p.subarray(0, 10 + payload.length), 1, 0, o.crcExtra ?? 160), 10 + payload.length);
  return p;
}
