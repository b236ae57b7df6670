import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceOptions } from '../../server/service.ts';
import type { PreflightItem, RunView } from '../../server/wire/types.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

/** Sim home of drone 1 (Wenling) and a short patrol: 20 m up, 100 m north, 100 m east, RTL. */
export const HOME = { lat: 28.37, lon: 121.38 };
export const WP1 = { lat: 28.3709, lon: 121.38 };
export const WP2 = { lat: 28.3709, lon: 121.3810 };

function planItem(command: number, frame: number, params: (number | null)[], id: number) {
  return { autoContinue: true, command, doJumpId: id, frame, params, type: 'SimpleItem' };
}

export function shortPlan(alt = 20, extra: Record<string, unknown> = {}) {
  return {
    fileType: 'Plan',
    groundStation: 'SkyBeat',
    version: 1,
    geoFence: { circles: [], polygons: [], version: 2 },
    rallyPoints: { points: [], version: 2 },
    mission: {
      version: 2,
      firmwareType: 3,
      vehicleType: 2,
      cruiseSpeed: 15,
      hoverSpeed: 5,
      plannedHomePosition: [HOME.lat, HOME.lon, 10],
      items: [
        planItem(22, 3, [0, 0, 0, null, 0, 0, alt], 1),
        planItem(16, 3, [0, 0, 0, null, WP1.lat, WP1.lon, alt], 2),
        planItem(16, 3, [0, 0, 0, null, WP2.lat, WP2.lon, alt], 3),
        planItem(20, 2, [0, 0, 0, 0, 0, 0, 0], 4),
      ],
    },
    skybeat: { nameZh: '测试航线', nameEn: 'Test loop', station: 'Wenling', defaultDrone: '', schedule: '', notes: '', ...extra },
  };
}

/** The real service with one simulated copter (4× time) and a missions folder holding `short` and `high`. */
export async function patrolRig(opts: Partial<ServiceOptions> = {}) {
  const missionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-missions-'));
  fs.writeFileSync(path.join(missionsDir, 'short.plan'), JSON.stringify(shortPlan()));
  fs.writeFileSync(path.join(missionsDir, 'high.plan'), JSON.stringify(shortPlan(150)));
  const t = await testService({
    sim: 1,
    simOptions: { bootDelayS: 4, speedup: 4, demo: false, seed: 11 },
    missionsDir,
    patrolTiming: { armRetryMs: 800 },
    ...opts,
  });
  const pilot = await t.user('pilot1', ['pilot']);
  const drone = t.svc.squadron!.drone(1);
  const vid = 'sim-1';
  await waitFor('the simulated drone', () => t.svc.fleet.get(vid), 15_000);

  const run = async (id: number) => (await t.api('GET', `/api/runs/${id}`, pilot)).body as RunView;
  return {
    t,
    pilot,
    drone,
    vid,
    missionsDir,
    take: (token = pilot) => t.api('POST', `/api/vehicles/${vid}/control`, token, { action: 'take' }),
    preflight: async (routeId = 'short', token = pilot) =>
      (await t.api('GET', `/api/vehicles/${vid}/preflight?routeId=${routeId}`, token)).body as PreflightItem[],
    launch: (routeId = 'short', overrides: string[] = [], token = pilot) =>
      t.api('POST', `/api/vehicles/${vid}/patrol`, token, { routeId, overrides, confirm: true }),
    command: (action: string, token = pilot) => t.api('POST', `/api/vehicles/${vid}/command`, token, { action, confirm: true }),
    run,
    /** wait until the run satisfies `check`; the error tells where it stood */
    until: async (id: number, what: string, check: (r: RunView) => boolean, timeoutMs = 60_000) => {
      let last: RunView | undefined;
      try {
        return await waitFor(
          `run ${id}: ${what}`,
          async () => {
            last = await run(id);
            return check(last) && last;
          },
          timeoutMs,
          200,
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}; it is ${last?.state} (${last?.result ?? ''}); events: ${last?.events.map((e) => e.message).join(' | ')}`);
      }
    },
    /** until every preflight check passes (the simulated EKF has its position) */
    ready: (routeId = 'short') =>
      waitFor(
        'preflight to pass',
        async () => {
          const items = (await t.api('GET', `/api/vehicles/${vid}/preflight?routeId=${routeId}`, pilot)).body as PreflightItem[];
          return items.every((i) => i.pass || i.id === 'control') && items; // control is the caller's business
        },
        20_000,
        200,
      ),
    /** take control, wait for preflight, launch, and wait until it flies its first leg; the run id */
    async onFirstLeg(): Promise<number> {
      await this.take();
      await this.ready();
      const id = (await this.launch()).body.id as number;
      await this.until(id, 'on the first leg', (x) => x.state === 'flying' && (x.leg?.seq ?? 0) >= 2);
      return id;
    },
    close: () => t.close(),
  };
}
