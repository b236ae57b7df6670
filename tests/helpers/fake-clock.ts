import FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '../../server/clock.ts';

/** Let every promise continuation that is already due run (setImmediate comes after all microtasks). */
const drain = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Simulated time for code that takes a Clock: timers fire in order of due time (then of
 * creation), one at a time, with all pending promise work run in between, so a transfer's
 * async loop sees exactly the order a real run would, whatever the machine's load.
 */
export function fakeClock(start = Date.now()) {
  const fake = FakeTimers.createClock(start, 1_000_000);
  const clock: Clock = {
    now: () => fake.now,
    setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
    clearTimeout: (handle) => fake.clearTimeout(handle as FakeTimers.TimerId | undefined),
  };

  /**
   * Run simulated time until `work` settles and return its result. Fails if nothing is left
   * that could settle it, or after `limitMs` of simulated time (a hang, said as such).
   */
  async function run<T>(work: Promise<T>, limitMs = 10 * 60_000): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    watched.catch(() => {}); // the caller gets the rejection from the return below
    const end = fake.now + limitMs;
    for (;;) {
      await drain();
      if (settled) return watched;
      if (fake.countTimers() === 0)
        throw new Error(`nothing is scheduled at +${elapsed()} ms, and the work has not ended: it waits for something that never comes`);
      if (fake.now > end) throw new Error(`still running after ${limitMs} ms of simulated time`);
      fake.next();
    }
  }

  /** Let `ms` of simulated time pass, running everything due meanwhile. */
  function advance(ms: number): Promise<void> {
    return run(new Promise<void>((resolve) => fake.setTimeout(() => resolve(), ms)), ms + 1);
  }

  /** Simulated ms since the clock was made. */
  const elapsed = () => fake.now - start;

  return {
    clock,
    run,
    advance,
    elapsed,
    /** repeat fn every ms of simulated time until the returned stop() */
    every(ms: number, fn: () => void): () => void {
      const id = fake.setInterval(fn, ms);
      return () => fake.clearInterval(id);
    },
  };
}

export type FakeClock = ReturnType<typeof fakeClock>;
