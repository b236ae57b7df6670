/**
 * Stations and scopes across a city (issue 18): three real SkyBeat processes on this machine's
 * PostgreSQL and Redis — station hf and station wl each with a simulated drone, and the centre
 * with none. A station's people are refused another station's drone on whichever node they ask,
 * before anything is carried to the drone's node; the city's people are not; a station's own
 * pilot commands its drone from any node (carried to the drone's node); a station's page on the
 * centre hears of its own drone only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../server/store/users.ts';
import type { VehicleView } from '../../server/wire/types.ts';
import { type City, type Session, startCity, citySkipReason } from '../helpers/cluster.ts';
import { REDIS_URL } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait.ts';

const skip = citySkipReason;

const HF_DRONE = 'sim-hf-1';
const WL_DRONE = 'sim-wl-1';
const ids = (vs: VehicleView[]) => vs.map((v) => v.id).sort();

/** An account of `scope` added by the admin on the centre (the users API's scope field), logged in there. */
async function scoped(city: City, admin: Session, name: string, roles: Role[], scope: string): Promise<Session> {
  const r = await city.api('centre', 'POST', '/api/users', admin, { name, password: `${name}-password`, roles, scope });
  if (r.status !== 201) throw new Error(`adding ${name} (${scope}): ${r.status} ${JSON.stringify(r.body)}`);
  return city.login('centre', name, `${name}-password`);
}

describe.skipIf(skip !== '')(`stations and scopes across a city of three nodes ${skip}`, () => {
  let city: City;
  let admin: Session;
  beforeAll(async () => {
    city = await startCity({
      nodes: [
        { name: 'hf', sim: 1, config: { station: { id: 'hf' } } },
        { name: 'wl', sim: 1, config: { station: { id: 'wl' } } },
        { name: 'centre', config: { station: { id: 'centre' } } },
      ],
      redis: REDIS_URL,
    });
    admin = await city.login('centre');
    // Every node hears both stations' drones, each with its station (so each knows whose it is).
    for (const node of ['centre', 'wl', 'hf']) {
      await waitFor(`${node} listing both stations' drones with their stations`, async () => {
        const vs = (await city.api(node, 'GET', '/api/vehicles', admin)).body as VehicleView[];
        return vs.map((v) => `${v.id}@${v.station}`).sort().join() === `${HF_DRONE}@hf,${WL_DRONE}@wl` || undefined;
      }, 30_000);
    }
  }, 120_000);
  afterAll(() => city?.close());

  it("refuses a station's people another station's drone on any node, lets the city's and its own through", { timeout: 60_000 }, async () => {
    const wlPilot = await scoped(city, admin, 'pilot-wl', ['pilot'], 'wl');
    const cityPilot = await scoped(city, admin, 'pilot-city', ['pilot'], 'city');
    const hfPilot = await scoped(city, admin, 'pilot-hf', ['pilot'], 'hf');

    // wl's pilot on the centre: refused there, saying whose drone; nothing reaches hf.
    const refused = await city.api('centre', 'POST', `/api/vehicles/${HF_DRONE}/control`, wlPilot, { action: 'take' });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: 'sim-hf-1 belongs to station hf; pilot-wl works for station wl',
      said: { code: 'scope_other_station', params: { vehicle: HF_DRONE, station: 'hf', user: 'pilot-wl', scope: 'wl' } },
    });
    expect((await city.api('hf', 'GET', '/api/control', admin)).body).toEqual({});
    const audit = async (query: string) =>
      (await city.api('centre', 'GET', `/api/audit?${query}`, admin)).body as { user: string; action: string; target: string; result: string }[];
    const denied = await waitFor(
      'the refusal in the audit',
      async () => (await audit('user=pilot-wl&action=access.denied')).find((e) => e.target === `vehicle:${HF_DRONE}`),
    );
    expect(denied.result).toBe('403');
    // (The store is the city's one: no node wrote a control row for wl's pilot.)
    expect((await audit('user=pilot-wl')).filter((e) => e.action.startsWith('control.'))).toEqual([]);

    // The city's pilot on the centre takes hf's drone (carried to hf, which flies it), then gives it back.
    const take = await city.api('centre', 'POST', `/api/vehicles/${HF_DRONE}/control`, cityPilot, { action: 'take' });
    expect(take.status, JSON.stringify(take.body)).toBe(200);
    expect((await city.api('hf', 'GET', '/api/control', admin)).body).toEqual({ [HF_DRONE]: 'pilot-city' });
    expect((await city.api('centre', 'POST', `/api/vehicles/${HF_DRONE}/control`, cityPilot, { action: 'release' })).status).toBe(200);

    // hf's own pilot, on wl's node: takes and commands hf's drone there, carried to hf and done there.
    const onWl = await city.api('wl', 'POST', `/api/vehicles/${HF_DRONE}/control`, hfPilot, { action: 'take' });
    expect(onWl.status, JSON.stringify(onWl.body)).toBe(200);
    expect((await city.api('hf', 'GET', '/api/control', admin)).body).toEqual({ [HF_DRONE]: 'pilot-hf' });
    const sent = await city.api('wl', 'POST', `/api/vehicles/${HF_DRONE}/command`, hfPilot, { action: 'rtl', confirm: true });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.result).toBe('accepted');
    // …while wl's own drone is not hers: refused on wl's node itself.
    const notHers = await city.api('wl', 'POST', `/api/vehicles/${WL_DRONE}/control`, hfPilot, { action: 'take' });
    expect(notHers.status).toBe(403);
    expect(notHers.body.said.params).toEqual({ vehicle: WL_DRONE, station: 'wl', user: 'pilot-hf', scope: 'hf' });
    const commands = await audit('user=pilot-hf&action=vehicle.command');
    expect(commands.map((e) => [e.target, e.result])).toEqual([[HF_DRONE, 'accepted']]);
  });

  it("gives a station's page on the centre its own drone only, while the city's page there hears both", { timeout: 60_000 }, async () => {
    const wlCommand = await scoped(city, admin, 'command-wl', ['command'], 'wl');
    expect(ids((await city.api('centre', 'GET', '/api/vehicles', wlCommand)).body as VehicleView[])).toEqual([WL_DRONE]);

    const listen = (session: Session) => {
      const heard = { snapshots: new Set<string>(), updates: new Map<string, number>() };
      const s = city.socket('centre', session);
      s.on('vehicles:snapshot', (vs) => vs.forEach((v) => heard.snapshots.add(v.id)));
      s.on('vehicles:update', (vs) => vs.forEach((v) => heard.updates.set(v.id, (heard.updates.get(v.id) ?? 0) + 1)));
      return heard;
    };
    const wl = listen(wlCommand);
    const all = listen(admin);
    // The city's page hears hf's drone many times over: wl's page would have too, were it sent.
    await waitFor('10 updates of each drone on the city page', () => (all.updates.get(HF_DRONE) ?? 0) >= 10 && (all.updates.get(WL_DRONE) ?? 0) >= 10, 30_000);
    await waitFor('10 updates of its own drone on the wl page', () => (wl.updates.get(WL_DRONE) ?? 0) >= 10, 10_000);
    expect([...all.snapshots].sort()).toEqual([HF_DRONE, WL_DRONE]);
    expect([...wl.snapshots]).toEqual([WL_DRONE]);
    expect([...wl.updates.keys()]).toEqual([WL_DRONE]);
  });
});
