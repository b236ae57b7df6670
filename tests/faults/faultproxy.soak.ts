import { expect, it } from 'vitest';
import type { UdpInLink } from '../../server/links/udp.ts';
import { startSquadron } from '../../server/sim/squadron.ts';
import { FaultProxy } from '../../server/tools/faultproxy/proxy.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { heapAfterGc } from '../helpers/heap.ts';

const cleanup = cleanupAfterEach();

const MINUTES = Number(process.env.SKYBEAT_SOAK_MINUTES ?? 3);

it(`three simulated drones through the fault proxy (the issue's faults) for ${MINUTES} min: every loss recovers, positions flow, memory stays bounded`, async () => {
  const t = await testService({ links: ['udpin://127.0.0.1:0'] });
  cleanup.push(() => t.close());
  const proxy = new FaultProxy({
    listen: 'udpin://127.0.0.1:0',
    to: `udpout://127.0.0.1:${(t.svc.fleet.connections.get('l1')!.link as UdpInLink).boundPort}`,
    seed: 9,
    faults: { loss: 0.3, dup: 0.05, reorder: 0.05, corrupt: 0.01, delayMs: 50, jitterMs: 30 },
  });
  await proxy.open();
  cleanup.push(() => proxy.close());
  const squadron = await startSquadron({ count: 3, link: `udpout://127.0.0.1:${proxy.listen.boundPort}`, seed: 9, demo: true, gpsFixDelayS: 0, bootDelayS: 2 });
  cleanup.push(() => squadron.close());
  const ids = ['l1-1', 'l1-2', 'l1-3'];
  await waitFor('three drones with positions', () => ids.every((id) => t.svc.fleet.get(id)?.position), 30_000);

  const lostSince = new Map<string, number>();
  const longest = new Map<string, number>(ids.map((id) => [id, 0]));
  t.svc.fleet.on('lost', (v) => lostSince.set(v.id, Date.now()));
  t.svc.fleet.on('regained', (v) => {
    longest.set(v.id, Math.max(longest.get(v.id)!, Date.now() - lostSince.get(v.id)!));
    lostSince.delete(v.id);
  });
  const heap: number[] = [];
  const end = Date.now() + MINUTES * 60_000;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 10_000));
    for (const id of ids) expect(Date.now() - t.svc.fleet.get(id)!.lastPositionAt, `${id} position age`).toBeLessThan(5000);
    heap.push(heapAfterGc());
  }
  for (const [id, since] of lostSince) expect(Date.now() - since, `${id} lost and not back`).toBeLessThan(10_000);
  for (const [id, ms] of longest) expect(ms, `${id}: longest loss`).toBeLessThan(10_000);
  expect(Math.max(...heap.slice(heap.length / 2)) - Math.max(...heap.slice(0, heap.length / 2))).toBeLessThan(32 * 2 ** 20);
});
