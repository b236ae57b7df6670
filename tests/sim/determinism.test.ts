import { describe, expect, it } from 'vitest';
import { Prng } from '../../server/sim/prng.ts';
import { startSquadron } from '../../server/sim/squadron.ts';
import { GroundStation } from './gcs.ts';

describe('simulator determinism (--seed)', () => {
  it('draws the same numbers from the same seed, different ones from another seed or label', () => {
    const draw = (p: Prng) => Array.from({ length: 5 }, () => p.next());
    expect(draw(new Prng(7))).toEqual(draw(new Prng(7)));
    expect(draw(new Prng(7))).not.toEqual(draw(new Prng(8)));
    expect(draw(Prng.derive(7, 'link-1'))).not.toEqual(draw(Prng.derive(7, 'link-2')));
    const p = new Prng(1);
    const hits = Array.from({ length: 20_000 }, () => p.chance(0.3)).filter(Boolean).length;
    expect(hits / 20_000).toBeGreaterThan(0.28);
    expect(hits / 20_000).toBeLessThan(0.32);
  });

  /** What a silent ground station receives from a drone losing half its packets: "NAME#seq" in order. */
  async function lossyRun(seed: number): Promise<string[]> {
    const gcs = await GroundStation.open();
    const sq = await startSquadron({ count: 1, link: gcs.uri, seed, speedup: 20, bootDelayS: 2 });
    try {
      sq.drone(1).setLinkFaults({ loss: 0.5, direction: 'down' }); // before the first tick
      await gcs.waitFor('20 packets', () => gcs.received.length >= 20, 20_000);
      return gcs.received.slice(0, 20).map((r) => `${r.name}#${r.frame.seq}`);
    } finally {
      await sq.close();
      await gcs.close();
    }
  }

  it('replays the same link-fault decisions over a real socket from the same seed', async () => {
    const a = await lossyRun(11);
    const b = await lossyRun(11);
    const c = await lossyRun(12);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const seqs = a.map((s) => Number(s.split('#')[1]));
    expect(seqs.at(-1)! - seqs[0]! + 1).toBeGreaterThan(seqs.length); // some really were lost
  });
});
