import { expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * The simulator's demo (its training pilot arms each drone and flies a loop in GUIDED until a
 * ground station commands it) used to raise "mode changed on its own: STABILIZE → GUIDED" for
 * every drone at every start of the service.
 */

const cleanup = cleanupAfterEach();

it("the simulator's training pilot takes off and flies its loop without a mode_change alert", async () => {
  const t = await testService({ sim: 1, simOptions: { bootDelayS: 2, speedup: 4, demo: true, seed: 5 } });
  cleanup.push(() => t.close());
  const flying = await waitFor(
    'the demo to fly its loop',
    () => {
      const v = t.svc.fleet.get('sim-1');
      return v && v.armed && v.flightMode === 'guided' && (v.position?.altRel ?? 0) > 5 && v;
    },
    60_000,
    100,
  );
  expect(flying.mode).toBe('GUIDED');
  expect(t.svc.aircraft.open().filter((a) => a.rule === 'mode_change')).toEqual([]);
});
