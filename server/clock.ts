/**
 * Time as the protocol state machines (mission transfer, commands with ACK, action
 * confirmation) read it, passed in rather than taken from Date.now() and setTimeout.
 *
 * Why injected and not vitest's vi.useFakeTimers(): faking the globals would also fake every
 * other timer in the test process (sockets, the Fleet's link checks, the test runner's own), and
 * would leave "this code waits on time" invisible in the production code. An injected clock says
 * so in each constructor, and a test gives one transfer simulated time while everything else
 * keeps real time. The tests' fake clock is @sinonjs/fake-timers' createClock() (the library
 * vitest's fake timers are built on), so no timer queue is hand-written here.
 */
export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** Whatever the clock's setTimeout returned; only its clearTimeout understands it. */
export type TimerHandle = unknown;

/** Wall-clock time: what the service runs on. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};
