import { inspect } from 'node:util';
import { common, minimal, MavLinkPacketSignature, MavLinkProtocolV1, MavLinkProtocolV2, x25crc, type MavLinkData } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { Encoder } from '../../server/mavlink/codec.ts';
import { Framer, type Frame } from '../../server/mavlink/framer.ts';
import { LinkSigning, SigningClock, SigningKey, SIGNING_EPOCH_MS } from '../../server/mavlink/signing.ts';

const PASSPHRASE = 'police-drones-wenling';
const key = SigningKey.fromText(PASSPHRASE);
const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);
/** 10 µs units, the signing timestamp's */
const unitsAt = (ms: number) => (ms - SIGNING_EPOCH_MS) * 100;

function heartbeat(): minimal.Heartbeat {
  return Object.assign(new minimal.Heartbeat(), {
    type: minimal.MavType.QUADROTOR,
    autopilot: minimal.MavAutopilot.ARDUPILOTMEGA,
    baseMode: 81,
    customMode: 4,
    systemStatus: minimal.MavState.STANDBY,
    mavlinkVersion: 3,
  });
}

function position(): common.GlobalPositionInt {
  return Object.assign(new common.GlobalPositionInt(), { lat: 283700000, lon: 1213800000, alt: 10000, hdg: 0 });
}

/** Cut bytes into frames with the project's framer. */
function frames(...packets: Buffer[]): Frame[] {
  const out: Frame[] = [];
  const f = new Framer((frame) => out.push({ ...frame, raw: Buffer.from(frame.raw) }));
  for (const p of packets) f.push(p);
  return out;
}

/** A manual clock in ms. */
function manualClock(start = T0) {
  const c = { ms: start };
  return { c, clock: new SigningClock(() => c.ms) };
}

/** A drone-side sender on its own clock and the ground-side checker on another. */
function pair(senderAt = T0, receiverAt = T0) {
  const tx = manualClock(senderAt);
  const rx = manualClock(receiverAt);
  const sender = new Encoder(1, 1, new LinkSigning(key, 3, tx.clock));
  const checker = new LinkSigning(key, 0, rx.clock);
  return { tx: tx.c, rx: rx.c, send: (m: MavLinkData) => sender.encode(m), checker, verdicts: (...p: Buffer[]) => frames(...p).map((f) => checker.verify(f)) };
}

describe('signing keys', () => {
  it('a passphrase gives SHA-256 of it, the key Mission Planner and MAVProxy derive (node-mavlink agrees)', () => {
    const fromPassphrase = SigningKey.fromText(PASSPHRASE);
    const fromHex = SigningKey.fromText(`hex:${MavLinkPacketSignature.key(PASSPHRASE).toString('hex')}`);
    expect(fromPassphrase.equals(fromHex)).toBe(true);
    expect(fromPassphrase.equals(SigningKey.fromText('another-passphrase'))).toBe(false);
  });

  it.each([
    ['short', /at least 8 characters/],
    ['hex:abcd', /64 hex digits \(32 bytes\), got 4 characters/],
    [`hex:${'g'.repeat(64)}`, /64 hex digits/],
  ])('%s is refused with a clear message', (text, message) => {
    expect(() => SigningKey.fromText(text)).toThrow(message);
  });

  it('never shows: JSON, string conversion and inspection print (redacted)', () => {
    const holder = { link: 'udpin://0.0.0.0:14550', key };
    expect(JSON.stringify(holder)).toBe('{"link":"udpin://0.0.0.0:14550","key":"(redacted)"}');
    expect(`${key}`).toBe('(redacted)');
    expect(inspect(holder)).not.toMatch(/[0-9a-f]{12}/);
    expect(inspect(holder)).toContain('SigningKey(redacted)');
  });
});

describe('signing what we send', () => {
  it("signs as node-mavlink (Mission Planner's scheme) would: flag in the CRC, link id, timestamp, SHA-256", () => {
    const { send } = pair();
    const ours = send(heartbeat());
    // The same packet signed by node-mavlink, given our timestamp in its ms unit.
    const proto = new MavLinkProtocolV2(1, 1, MavLinkProtocolV2.IFLAG_SIGNED);
    const theirs = proto.sign(proto.serialize(heartbeat(), 0), 3, MavLinkPacketSignature.key(PASSPHRASE), T0);
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
    const [frame] = frames(ours);
    expect(frame).toMatchObject({ signed: true, msgid: 0, sysid: 1 }); // the CRC over the signed flag holds
  });

  it("timestamps strictly increase for packets within one millisecond; node-mavlink's repeat and get dropped", () => {
    const { send, checker } = pair();
    const ours = [heartbeat(), position(), heartbeat()].map((m) => send(m));
    expect(ours.map((b) => b.readUIntLE(b.length - 12, 6))).toEqual([0, 1, 2].map((i) => unitsAt(T0) + i));
    expect(frames(...ours).map((f) => checker.verify(f))).toEqual([null, null, null]);
    // node-mavlink stamps Date.now(): two packets in one millisecond carry the same timestamp
    const proto = new MavLinkProtocolV2(2, 1, MavLinkProtocolV2.IFLAG_SIGNED);
    const theirs = [0, 1].map((seq) => proto.sign(proto.serialize(heartbeat(), seq), 3, MavLinkPacketSignature.key(PASSPHRASE), T0));
    expect(frames(...theirs).map((f) => checker.verify(f))).toEqual([null, 'replayed']);
  });

  it('links of one process share a clock, so two links to one drone never send it a timestamp it saw', () => {
    const { clock } = manualClock();
    const a = new LinkSigning(key, 0, clock);
    const b = new LinkSigning(key, 1, clock);
    const enc = [new Encoder(255, 190, a), new Encoder(255, 190, b)];
    const stamps = [0, 1, 0, 1].map((i) => enc[i]!.encode(heartbeat())).map((p) => p.readUIntLE(p.length - 12, 6));
    expect(new Set(stamps).size).toBe(4);
    expect([...stamps].sort((x, y) => x - y)).toEqual(stamps);
  });
});

describe('checking what we receive', () => {
  it('accepts packets signed with the key, each timestamp above the last of its stream', () => {
    const { send, verdicts, tx } = pair();
    const a = send(heartbeat());
    tx.ms += 1000;
    expect(verdicts(a, send(position()), send(heartbeat()))).toEqual([null, null, null]);
  });

  it('drops and counts unsigned MAVLink 2 and MAVLink 1 packets', () => {
    const { verdicts, checker } = pair();
    const v1 = new MavLinkProtocolV1(1, 1).serialize(heartbeat(), 0);
    expect(verdicts(new Encoder(1, 1).encode(heartbeat()), v1)).toEqual(['unsigned', 'unsigned']);
    expect(checker.rejected).toEqual({ unsigned: 2, badSignature: 0, replayed: 0 });
  });

  it('drops and counts a packet signed with another key, and one altered after signing', () => {
    const { send, verdicts, checker } = pair();
    const stranger = new Encoder(1, 1, new LinkSigning(SigningKey.fromText('not-the-station-key'), 3, manualClock().clock));
    const altered = send(position());
    altered[14] ^= 0x01; // a bit of the latitude…
    const crcAt = altered.length - 13 - 2; // …and a CRC to match, so only the signature can tell
    altered.writeUInt16LE(x25crc(altered.subarray(0, crcAt + 2), 1, 2, common.GlobalPositionInt.MAGIC_NUMBER), crcAt);
    expect(frames(altered)).toHaveLength(1); // a well-formed packet, CRC and all
    expect(verdicts(stranger.encode(heartbeat()), altered)).toEqual(['badSignature', 'badSignature']);
    expect(checker.rejected).toEqual({ unsigned: 0, badSignature: 2, replayed: 0 });
  });

  it('drops a packet captured and sent again, and an older one of the same stream', () => {
    const { send, verdicts, checker } = pair();
    const first = send(heartbeat());
    const second = send(heartbeat());
    expect(verdicts(first, second)).toEqual([null, null]);
    expect(verdicts(second, first)).toEqual(['replayed', 'replayed']);
    expect(checker.rejected.replayed).toBe(2);
  });

  it('streams are per (sysid, compid, link id): a second drone starts its own', () => {
    const { verdicts, tx } = pair();
    const clock = new SigningClock(() => tx.ms);
    const one = new Encoder(1, 1, new LinkSigning(key, 3, clock));
    const two = new Encoder(2, 1, new LinkSigning(key, 3, clock));
    const p1 = one.encode(heartbeat());
    const p2 = two.encode(heartbeat()); // a later timestamp, other stream
    expect(verdicts(p2, p1)).toEqual([null, null]);
  });

  it('a new stream may start at most one minute behind our timestamp (a recording replayed later is refused)', () => {
    const { send, verdicts, rx } = pair();
    const recorded = send(heartbeat());
    const recordedLater = send(heartbeat());
    rx.ms = T0 + 60_000; // exactly one minute later: still accepted, as the spec's "within one minute"
    expect(verdicts(recorded)).toEqual([null]);
    const fresh = pair();
    fresh.rx.ms = T0 + 60_001;
    expect(fresh.verdicts(recordedLater)).toEqual(['replayed']);
  });

  it('a forged packet cannot move a stream ahead and lock the real drone out', () => {
    const { send, verdicts } = pair();
    const future = new Encoder(1, 1, new LinkSigning(SigningKey.fromText('not-the-station-key'), 3, manualClock(T0 + 3_600_000).clock));
    expect(verdicts(send(heartbeat()), future.encode(heartbeat()), send(heartbeat()))).toEqual([null, 'badSignature', null]);
  });

  it('our timestamp follows the highest one accepted, so a drone ahead of us does not see ours go back', () => {
    const { clock } = manualClock(T0);
    const ground = new LinkSigning(key, 0, clock);
    const ahead = new Encoder(1, 1, new LinkSigning(key, 3, manualClock(T0 + 5000).clock));
    const [f] = frames(ahead.encode(heartbeat()));
    expect(ground.verify(f!)).toBeNull();
    const ours = new Encoder(255, 190, ground).encode(heartbeat());
    expect(ours.readUIntLE(ours.length - 12, 6)).toBe(unitsAt(T0 + 5000) + 1);
  });
});
