import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreflightItem } from '../../server/wire/types.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig, WP2 } from './rig.ts';

/**
 * The preflight holds a route to the station's rules as the route folder and the route editor do
 * (server/wire/route-rules.ts): every leg from home back home, the return to launch included, and
 * the station's one battery reserve. Real service, simulated copter, over HTTP.
 */

const box = (s: number, w: number, n: number, e: number) => [{ lat: s, lon: w }, { lat: s, lon: e }, { lat: n, lon: e }, { lat: n, lon: w }];
/** A school on the short loop's way home only (WP2 → home runs south-west through it); no waypoint leg touches it. */
const SCHOOL = { name: 'school', polygon: box(28.3703, 121.3804, 28.3705, 121.3806) };

describe("preflight with the station's rules", () => {
  let rig: Awaited<ReturnType<typeof patrolRig>>;
  beforeAll(async () => {
    rig = await patrolRig({ rules: { noFly: [SCHOOL], reservePercent: 40 } });
    await rig.take();
    await waitFor('position', () => rig.t.svc.fleet.get(rig.vid)!.position, 15_000);
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('a no-fly zone crossed only on the way home fails the geofence and route checks', async () => {
    // The way home crosses the school (checked independently of SkyBeat's code: the line WP2 → home at the school's latitude).
    const lonAt = (lat: number) => WP2.lon + ((lat - WP2.lat) * (121.38 - WP2.lon)) / (28.37 - WP2.lat);
    expect(lonAt(28.3704)).toBeGreaterThan(121.3804);
    expect(lonAt(28.3704)).toBeLessThan(121.3806);
    const items = await rig.preflight();
    const geofence = items.find((i) => i.id === 'geofence')!;
    expect(geofence).toMatchObject({ pass: false, value: 'crosses the no-fly zone "school"', overridable: false });
    const route = items.find((i) => i.id === 'route')!;
    expect(route.pass).toBe(false);
    expect(route.value).toMatch(/the leg from item 3 to item 4 crosses the no-fly zone "school" near 28\.370\d+, 121\.380\d+/);
  });

  it("the battery need counts the station's reserve, the one figure", async () => {
    const items: PreflightItem[] = await rig.preflight();
    expect(items.find((i) => i.id === 'battery_route')!.value).toMatch(/with 40% reserve/);
    // The route list says the same route's status: invalid, not OK.
    const list = (await rig.t.api('GET', '/api/routes', rig.pilot)).body as { id: string; status: string }[];
    expect(list.find((r) => r.id === 'short')!.status).toBe('invalid');
  });
});
