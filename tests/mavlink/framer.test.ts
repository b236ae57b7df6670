import { common, minimal, MavLinkProtocolV1, MavLinkProtocolV2, MavLinkPacketSignature } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { decode, Encoder } from '../../server/mavlink/codec.ts';
import { Framer, type Frame } from '../../server/mavlink/framer.ts';

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
