import { MavLinkProtocolV2, x25crc, type MavLinkData } from 'node-mavlink';
import type { Frame } from './framer.ts';
import { messageClass } from './registry.ts';
import { IFLAG_SIGNED, type LinkSigning } from './signing.ts';

const protocol = new MavLinkProtocolV2();

/**
 * Decode a frame's payload into node-mavlink's message class, or undefined for an unknown id.
 * MAVLink 2 trims trailing zero bytes; we pad back to the message's full length only.
 */
export function decode(frame: Frame): MavLinkData | undefined {
  const cls = messageClass(frame.msgid);
  if (!cls) return undefined;
  let payload = frame.payload;
  if (payload.length < cls.PAYLOAD_LENGTH) {
    payload = Buffer.alloc(cls.PAYLOAD_LENGTH);
    frame.payload.copy(payload);
  }
  return protocol.data(payload, cls);
}

/** A message no loaded dialect has a class for, given by its id, CRC_EXTRA and payload bytes. */
export interface RawMessage {
  msgid: number;
  crcExtra: number;
  payload: Buffer;
}

/**
 * Serializes our outgoing messages as MAVLink 2 with a sequence counter of its own.
 * node-mavlink's send() defaults to MAVLink 1 and shares one global counter across links,
 * which makes every receiver count phantom packet loss: each link owns one Encoder.
 * With a signer every packet is signed: the signed flag is set before the CRC, which covers it.
 */
export class Encoder {
  private seq = 0;
  private readonly protocol: MavLinkProtocolV2;

  constructor(readonly sysid: number, readonly compid: number, private readonly signer: LinkSigning | null = null) {
    this.protocol = new MavLinkProtocolV2(sysid, compid, signer ? IFLAG_SIGNED : 0);
  }

  encode(msg: MavLinkData): Buffer {
    const buf = this.protocol.serialize(msg, this.nextSeq());
    return this.signer ? this.signer.sign(buf) : buf;
  }

  /**
   * A message of an id no dialect here knows (the simulator as PX4 sends EVENT and
   * LINK_NODE_STATUS), numbered in the same sequence: trailing zero bytes trimmed as MAVLink 2
   * does (the first byte always stays), CRC over the header, payload and CRC_EXTRA.
   */
  encodeRaw(m: RawMessage): Buffer {
    let len = m.payload.length;
    while (len > 1 && m.payload[len - 1] === 0) len--;
    const buf = Buffer.alloc(10 + len + 2);
    const id = m.msgid;
    buf.set([0xfd, len, this.signer ? IFLAG_SIGNED : 0, 0, this.nextSeq(), this.sysid, this.compid, id & 0xff, (id >> 8) & 0xff, (id >> 16) & 0xff]);
    m.payload.copy(buf, 10, 0, len);
    buf.writeUInt16LE(x25crc(buf.subarray(0, 10 + len), 1, 0, m.crcExtra), 10 + len);
    return this.signer ? this.signer.sign(buf) : buf;
  }

  private nextSeq(): number {
    const seq = this.seq;
    this.seq = (seq + 1) & 0xff;
    return seq;
  }
}

/** The message's name as in the XML (e.g. "GLOBAL_POSITION_INT"). */
export function nameOf(msg: MavLinkData): string {
  return (msg.constructor as unknown as { MSG_NAME: string }).MSG_NAME;
}
