import { expect, it } from 'vitest';
import { Framer } from '../../server/mavlink/framer.ts';
import { audit, fuzzStream, randomChunks } from './fuzz-stream.ts';
import { heapAfterGc } from '../helpers/heap.ts';

it('Framer soak: 200 MB of packets and garbage through one framer; every recoverable packet, heap flat', () => {
  let emitted: Buffer[] = [];
  const framer = new Framer((f) => emitted.push(Buffer.from(f.raw)));
  const heap: number[] = [];
  const missing: number[] = [];
  for (let round = 0; round < 100; round++) {
    emitted = [];
    const s = fuzzStream(50_000 + round, 2_000_000);
    for (const c of randomChunks(s.bytes, round, 1 + (round % 4) * 3000)) framer.push(c);
    const r = audit(s, emitted);
    missing.push(r.missing.length);
    expect(r.twice + r.invalid + r.unknownMissing, `round ${round}`).toBe(0);
    heap.push(heapAfterGc());
  }
  expect(missing.reduce((a, b) => a + b, 0), `recoverable packets lost per round: ${missing.join(' ')}`).toBe(0);
  // Flat: the last ten rounds hold no more than the first ten after warm-up, give or take 2 MB.
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(avg(heap.slice(-10)) - avg(heap.slice(5, 15))).toBeLessThan(2 * 2 ** 20);
});
