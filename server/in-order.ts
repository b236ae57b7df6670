import { pino } from 'pino';
import type { Logger } from './log.ts';

/** Where a failed write goes when its owner was given no logger: standard error, so none goes unrecorded. */
export const stderrLog: Logger = pino({ level: 'error' }, pino.destination(2));

/**
 * Work done one after another per key, each task starting when the ones queued before it for the
 * same key have ended (done or failed); keys do not wait for each other. A run's, a goto's or an
 * alert's writes keep their order while flight never waits on the database, and the steps of one
 * incident never interleave (each reads the incident, decides, then writes).
 */
export class InOrder {
  private readonly tails = new Map<number, Promise<void>>();

  /** log and failed: where a queue()d task's failure is told, said of its key ("run 12: its record not written") */
  constructor(private readonly log: Logger = stderrLog, private readonly failed: (key: number) => string = (key) => `${key}`) {}

  /** Run `task` after everything queued for `key`; its result (or rejection) is the caller's. */
  run<T>(key: number, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Do `task` after everything queued for `key`, without waiting for it: a failure is logged, never thrown. */
  queue(key: number, task: () => Promise<unknown>): void {
    this.run(key, task).catch((err: unknown) => {
      this.log.error({ err, key }, `${this.failed(key)}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** Whether anything is queued for `key`. */
  busy(key: number): boolean {
    return this.tails.has(key);
  }

  /** Resolves once nothing is queued (for `key`, or for any key), including what was queued meanwhile. */
  async done(key?: number): Promise<void> {
    for (;;) {
      const waiting = key !== undefined ? [this.tails.get(key)].filter((t) => t !== undefined) : [...this.tails.values()];
      if (waiting.length === 0) return;
      await Promise.all(waiting);
    }
  }
}
