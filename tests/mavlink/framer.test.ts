import { common, minimal, MavLinkProtocolV1, MavLinkProtocolV2, MavLinkPacketSignature } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { decode, Encoder } from '../../server/mavlink/codec.ts';
import { Framer, type Frame } from '../../server/mavlink/framer.ts';
import { rawPacket } from '../helpers/raw-packet.ts';

function heartbeat(): minimal.Heartbeat {
  const hb = new minimal.Heartbeat();
  hb.type = minimal.MavType.QUADROTOR;
  hb.autopilot = minimal.MavAutopilot.ARDUPILOTMEGA;
  hb.baseMode = 81 as minimal.MavModeFlag;
  hb.customMode = 4;
  hb.systemStatus = minimal.MavState.STANDBY;
  hb.mavlinkVersion = 3;
  return hb;
}

function position(lat: number): common.GlobalPositionInt {
  const p = new common.GlobalPositionInt();
  p.lat = lat;
  p.lon = 1213800000;
  p.alt = 10100;
  p.relativeAlt = 0;
  p.hdg = 9000;
  return p;
}

/** PX4's EVENT (410): a packet of a message id no dialect here knows, correctly made. */
const unknownPacket = (seq: number, payload?: Buffer) => rawPacket({ seq, payload });

function collect(): { framer: Framer; frames: Frame[] } {
  const frames: Frame[] = [];
  return { framer: new Framer((f) => frames.push(f)), frames };
}

describe('Framer', () => {
  const enc = new Encoder(1, 1);

  it('cuts MAVLink 2 packets and decodes them, also when fed one byte at a time', () => {
    const bytes = Buffer.concat([enc.encode(heartbeat()), enc.encode(position(283700000)), enc.encode(heartbeat())]);
    const { framer, frames } = collect();
    for (const b of bytes) framer.push(Buffer.from([b]));
    expect(frames.map((f) => f.msgid)).toEqual([0, 33, 0]);
    expect((decode(frames[1]!) as common.GlobalPositionInt).lat).toBe(283700000);
    expect(frames.map((f) => f.seq)).toEqual([0, 1, 2].map((i) => (frames[0]!.seq + i) & 0xff));
    expect(framer.counters).toEqual({ frames: 3, crcErrors: 0, unknown: 0, droppedBytes: 0 });
  });

  it('accepts MAVLink 1 packets', () => {
    const v1 = new MavLinkProtocolV1(7, 1).serialize(heartbeat(), 42);
    const { framer, frames } = collect();
    framer.push(v1);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ version: 1, sysid: 7, compid: 1, seq: 42, msgid: 0 });
    expect((decode(frames[0]!) as minimal.Heartbeat).customMode).toBe(4);
  });

  it('accepts signed MAVLink 2 packets and reports them as signed', () => {
    const proto = new MavLinkProtocolV2(3, 1, MavLinkProtocolV2.IFLAG_SIGNED);
    const signed = proto.sign(proto.serialize(heartbeat(), 5), 1, MavLinkPacketSignature.key('secret'));
    const { framer, frames } = collect();
    framer.push(Buffer.concat([signed, enc.encode(heartbeat())]));
    expect(frames.map((f) => f.signed)).toEqual([true, false]);
  });

  it('counts a corrupted packet as a CRC error and keeps the packets around it', () => {
    const bad = enc.encode(position(1));
    bad[14] ^= 0xff;
    const { framer, frames } = collect();
    framer.push(Buffer.concat([enc.encode(heartbeat()), bad, enc.encode(heartbeat())]));
    expect(frames.map((f) => f.msgid)).toEqual([0, 0]);
    expect(framer.counters.crcErrors).toBe(1);
  });

  it('does not stall on a stray start byte: the next real packet comes out at once', () => {
    // A lone 0xFD claiming a 255-byte payload, then one heartbeat: a naive splitter waits for
    // ~280 bytes before it looks at the heartbeat.
    const { framer, frames } = collect();
    framer.push(Buffer.from([0xfd, 0xff, 0x00]));
    framer.push(enc.encode(heartbeat()));
    expect(frames.map((f) => f.msgid)).toEqual([0]);
    expect(framer.counters.droppedBytes).toBe(3);
  });

  it('recovers every packet from a stream salted with random garbage', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const parts: Buffer[] = [];
    for (let i = 0; i < 500; i++) {
      parts.push(enc.encode(i % 2 ? heartbeat() : position(283700000 + i)));
      const junk = Buffer.alloc(Math.floor(rnd() * 12));
      for (let j = 0; j < junk.length; j++) junk[j] = rnd() < 0.3 ? 0xfd : Math.floor(rnd() * 256);
      parts.push(junk);
    }
    const all = Buffer.concat(parts);
    const { framer, frames } = collect();
    for (let at = 0; at < all.length;) {
      const n = 1 + Math.floor(rnd() * 64);
      framer.push(all.subarray(at, at + n));
      at += n;
    }
    // A junk tail can hide one last packet-looking prefix; everything real must be there.
    expect(frames.length).toBe(500);
    const lats = frames.filter((f) => f.msgid === 33).map((f) => (decode(f) as common.GlobalPositionInt).lat);
    expect(lats).toEqual(Array.from({ length: 250 }, (_, k) => 283700000 + 2 * k));
  });
});

describe('Framer: packets of message ids no loaded dialect knows', () => {
  const enc = new Encoder(1, 1);
  const raws = (frames: Frame[]) => frames.map((f) => Buffer.from(f.raw).toString('hex'));

  it('passes a well-framed one on, unverified and byte for byte, when a packet follows right after it', () => {
    const event = unknownPacket(7);
    const { framer, frames } = collect();
    framer.push(Buffer.concat([enc.encode(heartbeat()), event, enc.encode(heartbeat())]));
    expect(frames.map((f) => [f.msgid, f.verified])).toEqual([[0, true], [410, false], [0, true]]);
    expect(Buffer.from(frames[1]!.raw)).toEqual(event);
    expect(frames[1]).toMatchObject({ seq: 7, sysid: 1, compid: 1 });
    expect(decode(frames[1]!)).toBeUndefined();
    expect(framer.counters).toEqual({ frames: 2, crcErrors: 0, unknown: 1, droppedBytes: 0 });
  });

  it('takes a burst of them, one datagram each as PX4 sends, once a known packet follows (in order, none lost)', () => {
    const burst = [0, 1, 2, 3, 4].map((i) => unknownPacket(i, Buffer.from([i + 1, 0xfe, 0xfd])));
    const { framer, frames } = collect();
    for (const p of burst) framer.push(p);
    expect(frames).toEqual([]); // what follows the last one is not here yet
    const hb = enc.encode(heartbeat());
    framer.push(hb);
    expect(raws(frames)).toEqual([...burst, hb].map((b) => b.toString('hex')));
  });

  it('does not wait for a known packet forever: a long run of them is taken with the buffer bounded', () => {
    const run = Array.from({ length: 100 }, (_, i) => unknownPacket(i & 0xff, Buffer.from([i + 1])));
    const { framer, frames } = collect();
    for (const p of run) framer.push(p);
    // 17 in a row cannot be noise: the first 16 are taken, the 17th starts the next run. So at
    // most 16 wait, and the buffer never holds more.
    expect(raws(frames)).toEqual(run.slice(0, 96).map((b) => b.toString('hex')));
    framer.end(); // the stream ends after the last: a boundary, the rest are complete
    expect(frames).toHaveLength(100);
    expect(framer.counters).toMatchObject({ unknown: 100, droppedBytes: 0 });
  });

  it('at the end of a stream, takes the last ones whole and drops a partial packet', () => {
    const { framer, frames } = collect();
    framer.push(Buffer.concat([enc.encode(heartbeat()), unknownPacket(1), unknownPacket(2)]));
    expect(frames).toHaveLength(1);
    framer.end();
    expect(frames.map((f) => f.msgid)).toEqual([0, 410, 410]);
    const partial = collect();
    partial.framer.push(Buffer.concat([unknownPacket(1), enc.encode(heartbeat()).subarray(0, 9)]));
    partial.framer.end();
    expect(partial.frames).toEqual([]); // no packet after it: no evidence of its framing
    expect(partial.framer.counters.droppedBytes).toBe(unknownPacket(1).length + 9);
  });

  it('treats one that is not followed by a packet as noise', () => {
    const { framer, frames } = collect();
    framer.push(Buffer.concat([unknownPacket(1), Buffer.from([0x00, 0x11, 0x22]), enc.encode(heartbeat())]));
    expect(frames.map((f) => f.msgid)).toEqual([0]);
    expect(framer.counters.unknown).toBe(0);
  });

  it('never lets one swallow a valid packet: a claimed length reaching over a real packet is noise', () => {
    const hb = enc.encode(heartbeat());
    // An unknown-id header claiming 30 bytes of payload; a real heartbeat starts inside that span.
    const fake = Buffer.from([0xfd, 30, 0, 0, 0, 9, 9, 0x9a, 0x01, 0x00, 0xaa]);
    const after = enc.encode(position(283700000));
    const bytes = Buffer.concat([fake, hb, Buffer.alloc(30 + 12 - fake.length - hb.length, 0x55), after]);
    expect(bytes.indexOf(after)).toBe(42); // the fake frame would end exactly where a valid packet starts
    const { framer, frames } = collect();
    framer.push(bytes);
    expect(frames.map((f) => f.msgid)).toEqual([0, 33]);
    expect(frames.every((f) => f.verified)).toBe(true);
  });

  it('does not take an unknown MAVLink 1 id, nor a MAVLink 2 packet with an empty payload', () => {
    const v1 = Buffer.from([0xfe, 2, 0, 1, 1, 0xc8, 1, 2, 0, 0]); // MAVLink 1 ids are all known: 200 is not a message
    const empty = unknownPacket(0).subarray(0, 12);
    empty[1] = 0;
    const { framer, frames } = collect();
    framer.push(Buffer.concat([enc.encode(heartbeat()), v1, enc.encode(heartbeat()), empty, enc.encode(heartbeat())]));
    expect(frames.map((f) => f.msgid)).toEqual([0, 0, 0]);
  });

  it('a signed one is framed with its signature', () => {
    const p = unknownPacket(3);
    const signed = Buffer.concat([p, Buffer.alloc(13, 0x42)]);
    signed[2] = 0x01;
    const { framer, frames } = collect();
    framer.push(Buffer.concat([signed, enc.encode(heartbeat())]));
    expect(frames.map((f) => [f.msgid, f.signed, f.raw.length])).toEqual([[410, true, signed.length], [0, false, 21]]);
  });
});
