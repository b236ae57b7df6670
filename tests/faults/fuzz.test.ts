import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../server/links/connection.ts';
import { createLink } from '../../server/links/create.ts';
import type { TcpInLink } from '../../server/links/tcp.ts';
import type { UdpInLink } from '../../server/links/udp.ts';
import { Framer } from '../../server/mavlink/framer.ts';
import { Prng } from '../../server/sim/prng.ts';
import { waitFor } from '../helpers/wait.ts';
import { audit, fuzzStream, isValidFrame, randomChunks } from './fuzz-stream.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { heapAfterGc } from '../helpers/heap.ts';

const cleanup = cleanupAfterEach();

/** Until a count has stopped changing for half a second (everything sent has been taken in). */
async function settled(count: () => number): Promise<void> {
  let last = -1;
  await waitFor(
    'the receiver to settle',
    () => {
      const now = count();
      const still = now === last;
      last = now;
      return still;
    },
    20_000,
    500,
  );
}

/** A real Connection on a real link, keeping every frame it emits. */
async function receiver(uri: string) {
  const link = createLink(uri);
  const conn = new Connection('fuzz', link, { sysid: 255, compid: 190 });
  const frames: Buffer[] = [];
  conn.on('message', ({ frame }) => frames.push(Buffer.from(frame.raw)));
  await link.open();
  cleanup.push(() => conn.close());
  return { conn, link, frames };
}

describe('link layer under fuzzing (see fuzz-stream.ts for what "recoverable" means)', () => {
  it('Framer: 8 MB of valid packets and garbage in random chunks: each recoverable packet once, no invented frame, memory flat', () => {
    const framer = new Framer((f) => emitted.push(Buffer.from(f.raw)));
    let emitted: Buffer[] = [];
    const heap: number[] = [];
    let packets = 0;
    let garbage = 0;
    let unknown = 0;
    for (let round = 1; round <= 8; round++) {
      emitted = [];
      const s = fuzzStream(1000 + round, 1_000_000);
      for (const c of randomChunks(s.bytes, round, 4096)) framer.push(c);
      const r = audit(s, emitted);
      expect(r.missing, `round ${round}: recoverable packets not recovered (stream offsets)`).toEqual([]);
      expect(r.twice).toBe(0);
      expect(r.invalid).toBe(0);
      expect(r.unknownMissing, `round ${round}: well-framed unknown-id packets followed by a packet, not recovered`).toBe(0);
      expect(r.recovered).toBeGreaterThanOrEqual(s.packets.length - s.shadowed);
      packets += s.packets.length;
      unknown += s.unknownExpected.size;
      garbage += s.garbageBytes;
      heap.push(heapAfterGc());
    }
    expect(packets).toBeGreaterThan(50_000);
    expect(garbage).toBeGreaterThan(5_000_000);
    expect(unknown).toBeGreaterThan(1000);
    // One long-lived framer (as a link keeps) holds at most one partial packet: no growth over the rounds.
    expect(heap.at(-1)! - heap[1]!).toBeLessThan(2 * 2 ** 20);
  });

  it('Framer: random noise and start-byte storms, whole and one byte at a time, never throw nor invent a frame', () => {
    const rng = new Prng(77);
    const noise = Buffer.from(Array.from({ length: 2_000_000 }, () => rng.int(256)));
    const storm = Buffer.from(Array.from({ length: 100_000 }, () => (rng.chance(0.5) ? (rng.chance(0.5) ? 0xfd : 0xfe) : rng.int(256))));
    for (const [bytes, chunk] of [[noise, 65536], [noise, 7], [storm, 1], [storm, 300]] as const) {
      const emitted: Buffer[] = [];
      const framer = new Framer((f) => emitted.push(Buffer.from(f.raw)));
      for (let i = 0; i < bytes.length; i += chunk) framer.push(bytes.subarray(i, i + chunk));
      // Noise can hold a frame that is valid by the spec (CRC matches by chance): that is all that may come out.
      expect(emitted.filter((raw) => !isValidFrame(raw, 0, raw.length))).toEqual([]);
      expect(emitted.length).toBeLessThan(5);
    }
  });

  it('a real TCP link: 2 MB of the stream in random writes, every recoverable packet out of the Connection', async () => {
    const rx = await receiver('tcpin://127.0.0.1:0');
    const s = fuzzStream(4242, 2_000_000);
    const client = net.connect({ host: '127.0.0.1', port: (rx.link as TcpInLink).boundPort });
    cleanup.push(() => client.destroy());
    await new Promise((r) => client.once('connect', r));
    for (const c of randomChunks(s.bytes, 9, 8192)) {
      if (!client.write(c)) await new Promise((r) => client.once('drain', r));
    }
    await settled(() => rx.frames.length);
    const r = audit(s, rx.frames);
    expect(r.missing).toEqual([]);
    expect(r.twice).toBe(0);
    expect(r.invalid).toBe(0);
    expect(r.unknownMissing).toBe(0);
  });

  it('a real UDP link: the stream in datagrams of 1-1400 bytes, every recoverable packet out of the Connection', async () => {
    const rx = await receiver('udpin://127.0.0.1:0');
    const tx = createLink(`udpout://127.0.0.1:${(rx.link as UdpInLink).boundPort}`);
    await tx.open();
    cleanup.push(() => tx.close());
    const s = fuzzStream(4343, 1_000_000);
    const chunks = randomChunks(s.bytes, 10, 1400);
    // Flow control: a loaded machine's socket buffer overflows long before 3000 datagrams, and
    // a datagram the kernel dropped is not the Framer's loss.
    let datagrams = 0;
    rx.link.on('data', () => {
      datagrams++;
    });
    for (let i = 0; i < chunks.length; i++) {
      tx.send(chunks[i]!);
      if (i % 20 === 19 || i === chunks.length - 1) await waitFor(`datagram ${i + 1} of ${chunks.length} at the receiver`, () => datagrams === i + 1, 5000, 1);
    }
    await settled(() => rx.frames.length);
    const r = audit(s, rx.frames);
    expect(r.missing).toEqual([]);
    expect(r.twice).toBe(0);
    expect(r.invalid).toBe(0);
    expect(r.unknownMissing).toBe(0);
  });
});
