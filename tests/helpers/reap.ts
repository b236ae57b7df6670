import type { ChildProcess } from 'node:child_process';

/**
 * Processes a test started (SkyBeat nodes, redis-servers, simulated drones), killed when the test
 * worker exits however it exits: a node left running after a crashed test file would keep its
 * lease, its ports and its Redis stream, and mislead the next file's tests.
 */
const living = new Set<ChildProcess>();
let hooked = false;

export function reapOnExit(child: ChildProcess): void {
  living.add(child);
  child.once('exit', () => living.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of living) c.kill('SIGKILL');
  });
}
