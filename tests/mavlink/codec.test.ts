import { minimal } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { decode, Encoder } from '../../server/mavlink/codec.ts';
import { Framer, type Frame } from '../../server/mavlink/framer.ts';
import { LinkSigning, SigningClock, SigningKey } from '../../server/mavlink/signing.ts';

function heartbeat(): minimal.Heartbeat {
  return Object.assign(new minimal.Heartbeat(), { type: 2, autopilot: 12, baseMode: 29, customMode: 0x03040000, systemStatus: 3, mavlinkVersion: 3 });
}

describe('Encoder.encodeRaw: a message given by id, CRC_EXTRA and payload', () => {
  it('makes the same bytes node-mavlink makes for a message it knows (HEARTBEAT, CRC_EXTRA 50), in the same sequence', () => {
    const known = new Encoder(1, 1);
    const raw = new Encoder(1, 1);
    const reference = known.encode(heartbeat());
    const payload = Buffer.alloc(9);
    reference.copy(payload, 0, 10, 10 + reference[1]!); // MAVLink 2 trimmed nothing here: all 9 bytes
    expect(raw.encodeRaw({ msgid: 0, crcExtra: 50, payload })).toEqual(reference);
    // Both continue one sequence: the next of each has seq 1.
    expect([known.encode(heartbeat())[4], raw.encodeRaw({ msgid: 410, crcExtra: 160, payload: Buffer.from([1]) })[4]]).toEqual([1, 1]);
  });

  it('trims trailing zeros but keeps the first byte, and its CRC holds for a receiver that knows the id', () => {
    const enc = new Encoder(7, 1);
    const frames: Frame[] = [];
    const framer = new Framer((f) => frames.push(f));
    const zeros = enc.encodeRaw({ msgid: 0, crcExtra: 50, payload: Buffer.alloc(9) });
    expect(zeros[1]).toBe(1); // one payload byte left
    framer.push(zeros);
    framer.push(enc.encodeRaw({ msgid: 0, crcExtra: 50, payload: Buffer.from([0, 0, 4, 3, 2, 12, 29, 3, 3]) }));
    expect(frames.map((f) => [f.verified, f.seq])).toEqual([[true, 0], [true, 1]]);
    expect(decode(frames[1]!)).toMatchObject({ type: 2, autopilot: 12, customMode: 0x03040000 });
  });

  it('signs on a signed link, with the signed flag under the CRC', () => {
    const key = SigningKey.fromText('raw-message-signing');
    const enc = new Encoder(1, 1, new LinkSigning(key, 0, new SigningClock()));
    const packet = enc.encodeRaw({ msgid: 0, crcExtra: 50, payload: Buffer.from([1, 0, 0, 0, 2, 12, 29, 3, 3]) });
    const frames: Frame[] = [];
    new Framer((f) => frames.push(f)).push(packet);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ signed: true, verified: true });
    expect(new LinkSigning(key, 9, new SigningClock()).verify(frames[0]!)).toBeNull();
  });
});
