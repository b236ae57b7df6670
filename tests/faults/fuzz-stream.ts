import { MSG_ID_MAGIC_NUMBER, MavLinkPacketSignature, MavLinkProtocolV1, MavLinkProtocolV2, common, minimal, x25crc, type MavLinkData } from 'node-mavlink';
import { Prng } from '../../server/sim/prng.ts';

/**
 * A byte stream for fuzzing the link layer: known valid packets (sysid 42) interleaved with
 * garbage — random bytes, runs thick with start bytes, and spoiled packets (sysid 99:
 * truncated, bad CRC, bad length, unknown incompatibility flags, unknown message ids).
 *
 * "Recoverable", precisely: a valid packet is recoverable when (1) no garbage byte lies inside
 * it (garbage is only ever put between packets) and (2) no *false frame* covers its first
 * byte. A false frame is a run of garbage bytes that is itself a valid MAVLink packet by the
 * spec — a start byte, a complete header and payload, no unknown incompatibility flag, a
 * message id with a known CRC_EXTRA and a matching CRC — which no receiver can tell from a
 * real packet. The oracle finds false frames with node-mavlink's own x25crc and magic numbers,
 * independently of the Framer under test.
 *
 * Packets of unknown message ids cannot be CRC-checked; the Framer passes them on when they are
 * well framed (see isWellFramedUnknown) and a packet follows right after. So the 'unknownId'
 * decoys are garbage that may come out, and must come out when a recoverable packet follows one
 * directly and nothing that could be taken for a packet covers its first byte or starts inside it.
 */
export interface FuzzStream {
  bytes: Buffer;
  /** every valid packet put in, with where it starts */
  packets: { at: number; raw: Buffer }[];
  /** hex of the raw bytes of each packet the Framer must give back (the recoverable ones) */
  recoverable: Set<string>;
  /** packets a false frame made unrecoverable */
  shadowed: number;
  /** hex of the unknown-id decoys the Framer must give back (see the module comment) */
  unknownExpected: Set<string>;
  garbageBytes: number;
}

const KEY = MavLinkPacketSignature.key('fuzz');
const SIGN_EPOCH_MS = Date.UTC(2026, 10, 23);
const GARBAGE_KINDS = ['random', 'startBytes', 'truncated', 'badCrc', 'badLength', 'badFlags', 'unknownId'] as const;

function heartbeat(customMode: number): minimal.Heartbeat {
  const hb = new minimal.Heartbeat();
  Object.assign(hb, {
    type: minimal.MavType.QUADROTOR,
    autopilot: minimal.MavAutopilot.ARDUPILOTMEGA,
    baseMode: 81,
    customMode,
    systemStatus: 3,
    mavlinkVersion: 3,
  });
  return hb;
}

function position(timeBootMs: number): common.GlobalPositionInt {
  const p = new common.GlobalPositionInt();
  Object.assign(p, { timeBootMs, lat: 283700000, lon: 1213800000, alt: 10100, relativeAlt: 0, hdg: 0 }); // trailing zeros: MAVLink 2 trims them
  return p;
}

function statusText(n: number): common.StatusText {
  const t = new common.StatusText();
  Object.assign(t, { severity: 6, text: `fuzz packet ${n} `.padEnd(50, '.') });
  return t;
}

/** A valid packet of one of the shapes a station meets: v2, v2 trimmed, v2 signed, v1, long text. */
function validPacket(rng: Prng, n: number, sysid: number): Buffer {
  const seq = n & 0xff;
  const v2 = new MavLinkProtocolV2(sysid, 7);
  const kind = rng.int(5);
  const msg: MavLinkData = kind === 1 ? position(n) : kind === 4 ? statusText(n) : heartbeat(n);
  if (kind === 2) {
    const signer = new MavLinkProtocolV2(sysid, 7, MavLinkProtocolV2.IFLAG_SIGNED);
    return signer.sign(signer.serialize(msg, seq), 1, KEY, SIGN_EPOCH_MS + n); // distinct, increasing timestamps
  }
  if (kind === 3) return new MavLinkProtocolV1(sysid, 7).serialize(msg, seq);
  return v2.serialize(msg, seq);
}

function garbage(rng: Prng, n: number): Buffer {
  const kind = GARBAGE_KINDS[rng.int(GARBAGE_KINDS.length)]!;
  const decoy = () => validPacket(rng, n, 99);
  switch (kind) {
    case 'random':
      return Buffer.from(Array.from({ length: 1 + rng.int(300) }, () => rng.int(256)));
    case 'startBytes': // false starts galore
      return Buffer.from(Array.from({ length: 1 + rng.int(300) }, () => (rng.chance(0.4) ? (rng.chance(0.5) ? 0xfd : 0xfe) : rng.int(256))));
    case 'truncated': {
      const p = decoy();
      return p.subarray(0, 1 + rng.int(p.length - 1));
    }
    case 'badCrc': {
      const p = decoy();
      const at = (p[0] === 0xfd ? 10 : 6) + rng.int(p.length - (p[0] === 0xfd ? 10 : 6));
      p[at] = p[at]! ^ (1 << rng.int(8));
      return p;
    }
    case 'badLength': {
      const p = decoy();
      p[1] = (p[1]! + 1 + rng.int(255)) & 0xff;
      return p;
    }
    case 'badFlags': {
      const p = new MavLinkProtocolV2(99, 7).serialize(heartbeat(n), 0);
      p[2] = 2 + rng.int(254);
      return p;
    }
    case 'unknownId': { // well framed, but no dialect knows it: cannot be checked
      const p = new MavLinkProtocolV2(99, 7).serialize(heartbeat(n), 0);
      p[7] = 0xab;
      p[8] = 0xcd;
      p[9] = 0xef;
      return p;
    }
  }
}

/** Length of the frame a start byte at buf[g] claims, or 0 where no packet can start. */
function claimed(buf: Buffer, g: number): number {
  const stx = buf[g];
  if (stx === 0xfe) return 8 + (buf[g + 1] ?? 0);
  if (stx !== 0xfd || g + 2 >= buf.length) return 0;
  const flags = buf[g + 2]!;
  if (flags & ~1) return 0;
  return 12 + buf[g + 1]! + (flags & 1 ? 13 : 0);
}

/** Is buf[g, g+len) a valid MAVLink packet by the spec (see the module comment)? */
export function isValidFrame(buf: Buffer, g: number, len: number): boolean {
  if (len === 0 || g + len > buf.length) return false;
  const v2 = buf[g] === 0xfd;
  const msgid = v2 ? buf[g + 7]! | (buf[g + 8]! << 8) | (buf[g + 9]! << 16) : buf[g + 5]!;
  const magic = (MSG_ID_MAGIC_NUMBER as Record<number, number>)[msgid];
  if (magic === undefined) return false;
  const end = g + (v2 ? 10 : 6) + buf[g + 1]! + 2; // without a signature
  return x25crc(buf.subarray(g, end), 1, 2, magic) === buf.readUInt16LE(end - 2);
}

/**
 * Is buf[g, g+len) a well-framed packet of a message id no dialect knows: MAVLink 2, no unknown
 * incompatibility flag, a payload of at least one byte, exactly as long as its header claims?
 */
export function isWellFramedUnknown(buf: Buffer, g: number, len: number): boolean {
  if (buf[g] !== 0xfd || len === 0 || g + len > buf.length || claimed(buf, g) !== len || buf[g + 1] === 0) return false;
  const msgid = buf[g + 7]! | (buf[g + 8]! << 8) | (buf[g + 9]! << 16);
  return (MSG_ID_MAGIC_NUMBER as Record<number, number>)[msgid] === undefined;
}

/** Build a stream of about `size` bytes from a seed. */
export function fuzzStream(seed: number, size: number): FuzzStream {
  const rng = new Prng(seed);
  const parts: Buffer[] = [];
  const packets: { at: number; raw: Buffer }[] = [];
  const garbageRanges: [number, number][] = [];
  let at = 0;
  // Garbage then a packet, and a packet last: streams fed one after another stay independent.
  for (let n = 0; at < size; n++) {
    for (let k = rng.int(4); k > 0; k--) {
      const g = garbage(rng, n);
      garbageRanges.push([at, at + g.length]);
      parts.push(g);
      at += g.length;
    }
    const raw = validPacket(rng, n, 42);
    packets.push({ at, raw });
    parts.push(raw);
    at += raw.length;
  }
  const bytes = Buffer.concat(parts);
  // Where false frames reach: from a garbage start byte to the end of what it claims.
  const falseFrames: [number, number][] = [];
  for (const [a, b] of garbageRanges) {
    for (let g = a; g < b; g++) {
      const len = claimed(bytes, g);
      if (isValidFrame(bytes, g, len)) falseFrames.push([g, g + len]);
    }
  }
  const recoverable = new Set<string>();
  let shadowed = 0;
  for (const p of packets) {
    if (falseFrames.some(([s, e]) => s < p.at && p.at < e)) shadowed++;
    else recoverable.add(p.raw.toString('hex'));
  }
  // Anything in the garbage a receiver could take for a packet, CRC-valid or of an unknown id.
  const candidates: [number, number][] = [...falseFrames];
  for (const [a, b] of garbageRanges) {
    for (let g = a; g < b; g++) {
      const len = claimed(bytes, g);
      if (isWellFramedUnknown(bytes, g, len)) candidates.push([g, g + len]);
    }
  }
  candidates.sort((x, y) => x[0] - y[0]);
  const unknownExpected = new Set<string>();
  const packetAt = new Map(packets.map((p) => [p.at, p]));
  // Garbage ranges come in stream order: sweep the candidates alongside.
  let c = 0;
  let reach = -1; // the furthest end of a candidate starting before the range
  for (const [a, b] of garbageRanges) {
    for (; c < candidates.length && candidates[c]![0] < a; c++) reach = Math.max(reach, candidates[c]![1]);
    const next = packetAt.get(b);
    if (!isWellFramedUnknown(bytes, a, b - a) || !next || !recoverable.has(next.raw.toString('hex'))) continue;
    const startsInside = (k: number) => k < candidates.length && candidates[k]![0] < b;
    let k = c;
    while (k < candidates.length && candidates[k]![0] === a) k++;
    if (reach > a || startsInside(k)) continue;
    unknownExpected.add(bytes.subarray(a, b).toString('hex'));
  }
  return { bytes, packets, recoverable, shadowed, unknownExpected, garbageBytes: garbageRanges.reduce((s, [a, b]) => s + b - a, 0) };
}

/** Cut bytes into chunks of random sizes from 1 to max (log-uniform: many small, some large). */
export function randomChunks(bytes: Buffer, seed: number, max: number): Buffer[] {
  const rng = new Prng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = Math.max(1, Math.round(Math.exp(rng.next() * Math.log(max))));
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/**
 * Compare what a Framer emitted with the oracle: the recoverable packets that never came out,
 * ours that came out twice, any frame that is neither a valid packet by the spec nor a
 * well-framed one of an unknown id (the Framer must never invent one), and the unknown-id
 * decoys that had to come out and did not.
 */
export function audit(s: FuzzStream, emitted: Buffer[]) {
  const seen = new Map<string, number>();
  let invalid = 0;
  for (const raw of emitted) {
    const valid = claimed(raw, 0) === raw.length && isValidFrame(raw, 0, raw.length);
    if (!valid && !isWellFramedUnknown(raw, 0, raw.length)) invalid++;
    const h = raw.toString('hex');
    seen.set(h, (seen.get(h) ?? 0) + 1);
  }
  const missing = s.packets.filter((p) => s.recoverable.has(p.raw.toString('hex')) && !seen.has(p.raw.toString('hex'))).map((p) => p.at);
  // Ours only: the same spoiled signed decoy can turn up twice as a (valid) false frame.
  const twice = s.packets.filter((p) => (seen.get(p.raw.toString('hex')) ?? 0) > 1).length;
  const ours = s.packets.filter((p) => seen.has(p.raw.toString('hex'))).length;
  const unknownMissing = [...s.unknownExpected].filter((h) => !seen.has(h)).length;
  return { missing, twice, invalid, recovered: ours, unknownMissing };
}
