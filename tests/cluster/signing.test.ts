/**
 * The seal on every message between a city's nodes (server/cluster/signing.ts), on a fake clock: a
 * good message opens once; a changed one, another city's, an old one or a replay does not, and each
 * refusal is counted by its reason.
 */
import { describe, expect, it } from 'vitest';
import { BusSigner, WINDOW_MS } from '../../server/cluster/signing.ts';
import { fakeClock } from '../helpers/fake-clock.ts';

const SECRET = 'the city of Wenling, 2026';

describe('the bus seal', () => {
  it('opens a message sealed with the same secret, once, with who sent it', () => {
    const { clock } = fakeClock(Date.UTC(2026, 11, 4, 20));
    const hf = new BusSigner(SECRET, 'hf', clock);
    const centre = new BusSigner(SECRET, 'centre', clock);
    const sealed = hf.seal({ kind: 'views', body: [1, 2, 3] });
    expect(centre.open(sealed)).toEqual({ ok: true, from: 'hf', body: { kind: 'views', body: [1, 2, 3] } });
    expect(centre.open(sealed)).toEqual({ ok: false, reason: 'replayed' });
    expect(Object.fromEntries(centre.rejected)).toEqual({ replayed: 1 });
  });

  it("refuses a changed body, a changed sender, another city's secret and what is no envelope", () => {
    const { clock } = fakeClock(Date.UTC(2026, 11, 4, 20));
    const hf = new BusSigner(SECRET, 'hf', clock);
    const centre = new BusSigner(SECRET, 'centre', clock);
    const sealed = hf.seal({ kind: 'http', body: { url: '/api/vehicles/hf1-1/command' } });
    expect(centre.open({ ...sealed, body: sealed.body.replace('command', 'control') })).toEqual({ ok: false, reason: 'bad signature' });
    expect(centre.open({ ...sealed, from: 'wl' })).toEqual({ ok: false, reason: 'bad signature' });
    expect(centre.open(new BusSigner('another city, another secret', 'hf', clock).seal({ kind: 'http' }))).toEqual({ ok: false, reason: 'bad signature' });
    for (const junk of [null, 'text', { from: 'hf' }, { ...sealed, ts: String(sealed.ts) }]) {
      expect(centre.open(junk)).toEqual({ ok: false, reason: 'not a signed envelope' });
    }
    expect(Object.fromEntries(centre.rejected)).toEqual({ 'bad signature': 3, 'not a signed envelope': 4 });
    // and the untouched one still opens
    expect(centre.open(sealed).ok).toBe(true);
  });

  it('takes a message within the window either side of its time, and not a millisecond beyond', async () => {
    const fc = fakeClock(Date.UTC(2026, 11, 4, 20));
    const hf = new BusSigner(SECRET, 'hf', fc.clock);
    const centre = new BusSigner(SECRET, 'centre', fc.clock);
    const late = hf.seal({ n: 1 });
    const tooLate = hf.seal({ n: 2 });
    await fc.advance(WINDOW_MS);
    expect(centre.open(late).ok).toBe(true);
    await fc.advance(1);
    expect(centre.open(tooLate)).toEqual({ ok: false, reason: 'outside the time window (a replay, or clocks apart)' });
    // a sender whose clock is ahead by the window is still heard
    const ahead = new BusSigner(SECRET, 'wl', { ...fc.clock, now: () => fc.clock.now() + WINDOW_MS });
    expect(centre.open(ahead.seal({ n: 3 })).ok).toBe(true);
  });

  it("names a city's keys in Redis from its secret, the same on every node, telling nothing of it", () => {
    const a = new BusSigner(SECRET, 'hf').cityTag;
    expect(new BusSigner(SECRET, 'centre').cityTag).toBe(a);
    expect(new BusSigner(`${SECRET}!`, 'hf').cityTag).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(SECRET).not.toContain(a);
  });
});
