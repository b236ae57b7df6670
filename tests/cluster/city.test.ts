/**
 * A city of three real SkyBeat processes on this machine's PostgreSQL and Redis: a drone linked at
 * one node is seen, commanded and taken from the others; bus messages without the city's secret are
 * dropped; a node that does not answer is said, not waited on forever.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { type City, startCity, citySkipReason } from '../helpers/cluster.ts';
import { REDIS_URL } from '../helpers/redis-server.ts';
import { freeUdpPort, startSimDrones } from '../helpers/sim-drones.ts';
import { waitFor } from '../helpers/wait.ts';
import { channelsOf } from '../../server/cluster/bus.ts';
import { BusSigner } from '../../server/cluster/signing.ts';
import type { VehicleView } from '../../server/wire/types.ts';

const cleanup = cleanupAfterEach();
const skip = citySkipReason;

const ids = (vs: VehicleView[]) => vs.map((v) => v.id).sort();

async function threeNodes(): Promise<City> {
  return startCity({
    nodes: [{ name: 'hf', sim: 1 }, { name: 'wl', sim: 1 }, { name: 'centre' }],
    redis: REDIS_URL,
    cleanup,
  });
}

describe.skipIf(skip !== '')(`a city of three nodes on one PostgreSQL and one Redis ${skip}`, () => {
  it('shows every node each drone, and carries a command for a drone linked elsewhere to its node, once', { timeout: 120_000 }, async () => {
    const city = await threeNodes();
    const admin = await city.login('centre');
    // Each node lists its own drone and the others' (each hears them on its own, within moments of the
    // others): the centre has none of its own.
    for (const node of ['centre', 'wl', 'hf']) {
      await waitFor(`${node} listing both stations' drones`, async () => {
        const r = await city.api(node, 'GET', '/api/vehicles', admin);
        return ids(r.body as VehicleView[]).join() === 'sim-hf-1,sim-wl-1' || undefined;
      }, 30_000);
    }
    const onWl = await city.api('wl', 'GET', '/api/vehicles/sim-hf-1', admin);
    expect(onWl.status).toBe(200);
    expect(onWl.body.id).toBe('sim-hf-1');

    // A page on the centre gets the drone's updates as a page on its own node does.
    const here = city.socket('hf', admin);
    const there = city.socket('centre', admin);
    const counts = { here: 0, there: 0 };
    here.on('vehicles:update', (vs) => (counts.here += vs.filter((v) => v.id === 'sim-hf-1').length));
    there.on('vehicles:update', (vs) => (counts.there += vs.filter((v) => v.id === 'sim-hf-1').length));
    await waitFor('20 updates on hf', () => (counts.here >= 20 ? true : undefined), 20_000);
    const atHere = counts.here;
    const atThere = counts.there;
    // Same rate: the centre is sent every update hf's own pages are, give or take one in flight.
    expect(atThere).toBeGreaterThanOrEqual(atHere - 3);

    // A pilot on the centre takes hf's drone and commands it there.
    const pilot = await city.addUser('centre', 'pilot1', ['pilot']);
    const take = await city.api('centre', 'POST', '/api/vehicles/sim-hf-1/control', pilot, { action: 'take' });
    expect(take.status, JSON.stringify(take.body)).toBe(200);
    // hf itself, which flies it, knows who holds it.
    expect((await city.api('hf', 'GET', '/api/control', admin)).body).toEqual({ 'sim-hf-1': 'pilot1' });
    // A second pilot on wl cannot take it too.
    const other = await city.addUser('wl', 'pilot2', ['pilot']);
    const second = await city.api('wl', 'POST', '/api/vehicles/sim-hf-1/control', other, { action: 'take' });
    expect(second.status).toBe(409);
    expect(second.body.error).toContain('pilot1');
    // Unconfirmed: refused by hf's own checks, as on hf.
    const unconfirmed = await city.api('centre', 'POST', '/api/vehicles/sim-hf-1/command', pilot, { action: 'rtl' });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.error).toContain('confirm');
    const sent = await city.api('centre', 'POST', '/api/vehicles/sim-hf-1/command', pilot, { action: 'rtl', confirm: true });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.result).toBe('accepted');
    // Confirmed from telemetry, wherever it is read.
    await waitFor('sim-hf-1 returning, as the centre sees it', async () => {
      const v = (await city.api('centre', 'GET', '/api/vehicles/sim-hf-1', admin)).body as VehicleView;
      return v.flightMode === 'return' || v.flightMode === 'land' ? true : undefined;
    }, 15_000);
    // Audited once, by the node that carried it out, with the pilot's name.
    const audit = (await city.api('centre', 'GET', '/api/audit?user=pilot1', admin)).body as { action: string; target: string; result: string }[];
    expect(audit.filter((e) => e.action.startsWith('command') || e.action.includes('command')).length).toBe(1);
  });

  it("drops bus messages without the city's secret, and counts them", { timeout: 90_000 }, async () => {
    const city = await startCity({ nodes: [{ name: 'hf', sim: 1 }, { name: 'centre' }], redis: REDIS_URL, cleanup });
    const admin = await city.login('centre');
    await waitFor(
      'the centre hearing hf',
      async () => (((await city.api('centre', 'GET', '/api/vehicles', admin)).body as VehicleView[]).length === 1 || undefined),
      30_000,
    );
    const real = ((await city.api('centre', 'GET', '/api/vehicles', admin)).body as VehicleView[])[0]!;
    const forger = new Redis(REDIS_URL);
    cleanup.push(() => forger.quit());
    const fake = { ...real, id: 'fake-9', sysid: 9 };
    const body = JSON.stringify({ kind: 'views', body: { full: false, views: [fake] } });
    // unsigned, signed with another secret's look, and a real envelope's shape with a wrong signature
    // on the city's own channel (named from its secret's tag, which tells nothing of the secret)
    const all = channelsOf(new BusSigner(city.secret, 'test').cityTag).all;
    await forger.publish(all, body);
    await forger.publish(all, JSON.stringify({ from: 'hf', ts: Date.now(), nonce: 'x', body, sig: 'AAAA' }));
    // and one signed right but with another city's secret
    await forger.publish(all, JSON.stringify(new BusSigner('another city secret!!', 'hf').seal(JSON.parse(body))));
    const health = await waitFor('both forgeries counted', async () => {
      const h = (await city.api('centre', 'GET', '/api/health')).body as { city: { rejected: Record<string, number> } };
      return (h.city.rejected['bad signature'] ?? 0) >= 2 && (h.city.rejected['not a signed envelope'] ?? 0) >= 1 ? h : undefined;
    }, 10_000);
    expect(health.city.rejected).toEqual({ 'bad signature': 2, 'not a signed envelope': 1 });
    expect(ids((await city.api('centre', 'GET', '/api/vehicles', admin)).body as VehicleView[])).toEqual(['sim-hf-1']);
  });

  it('refuses at once a request for a drone whose node has gone silent, saying so', { timeout: 90_000 }, async () => {
    const city = await startCity({ nodes: [{ name: 'hf', sim: 1 }, { name: 'centre' }], redis: REDIS_URL, cleanup });
    const admin = await city.login('centre');
    await waitFor(
      'the centre hearing hf',
      async () => (((await city.api('centre', 'GET', '/api/vehicles', admin)).body as VehicleView[]).length === 1 || undefined),
      30_000,
    );
    await city.node('hf').kill9();
    // Shown with its link lost once hf is silent, and a command is refused naming the node, sent nowhere.
    await waitFor('sim-hf-1 shown lost on the centre', async () => {
      const v = ((await city.api('centre', 'GET', '/api/vehicles', admin)).body as VehicleView[])[0];
      return v?.link.lost ? true : undefined;
    }, 20_000);
    const r = await city.api('centre', 'POST', '/api/vehicles/sim-hf-1/control', admin, { action: 'take' });
    expect(r.status).toBe(503);
    expect(r.body.said.code).toBe('city_node_silent');
    expect(r.body.error).toMatch(/^sim-hf-1 is served by node hf, which has not been heard for \d+ s: nothing was carried out/);
    // audited at the centre under the pilot's name
    const audit = (await city.api('centre', 'GET', '/api/audit?action=city.forward', admin)).body as { user: string | null; target: string; result: string }[];
    expect(audit).toEqual([expect.objectContaining({ user: 'admin', target: 'vehicle:sim-hf-1', result: '503' })]);
    // without a live session nothing of the city is told: refused as for a drone of this node
    const stranger = await city.api('centre', 'POST', '/api/vehicles/sim-hf-1/control', {
      user: 'nobody',
      token: 'not-a-session',
      cookie: '',
      headers: { authorization: 'Bearer not-a-session' },
    }, { action: 'take' });
    expect(stranger.status).toBe(401);
    expect(JSON.stringify(stranger.body)).not.toContain('hf');
  });
});

describe.skipIf(skip !== '')(`an aircraft alert acknowledged on another node ${skip}`, () => {
  it('is acknowledged where its drone is linked, and shown so on every node', { timeout: 120_000 }, async () => {
    const udp = await freeUdpPort();
    const city = await startCity({
      nodes: [{ name: 'hf', links: [{ id: 'hf1', uri: `udpin://127.0.0.1:${udp}` }] }, { name: 'centre' }],
      redis: REDIS_URL,
      cleanup,
    });
    const drones = await startSimDrones({ count: 1, link: `udpout://127.0.0.1:${udp}`, cleanup });
    const admin = await city.login('centre');
    await waitFor(
      'hf1-1 on the centre',
      async () => ((await city.api('centre', 'GET', '/api/vehicles', admin)).body as VehicleView[]).length === 1 || undefined,
      30_000,
    );
    // The drone's battery falls: hf's monitor raises the alert.
    const fault = await fetch(`${drones.control}/${drones.sysids[0]}/low-battery`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ remaining: 0.1 }),
    });
    expect(fault.status).toBe(200);
    type Open = { aircraft: { id: number; vehicleId: string; acknowledgedBy: string | null }[] };
    const alert = await waitFor('a battery alert on hf1-1, as the centre lists it', async () => {
      const open = (await city.api('centre', 'GET', '/api/alerts/open', admin)).body as Open;
      return open.aircraft.find((a) => a.vehicleId === 'hf1-1');
    }, 30_000);
    const acked = await city.api('centre', 'POST', `/api/aircraft-alerts/${alert.id}/ack`, admin);
    expect(acked.status, JSON.stringify(acked.body)).toBe(200);
    // hf itself, which holds the alert (the battery is still low: it stays), shows it acknowledged by the centre's user
    const onHf = ((await city.api('hf', 'GET', '/api/alerts/open', admin)).body as Open).aircraft.find((a) => a.id === alert.id);
    expect(onHf?.acknowledgedBy).toBe('admin');
    await waitFor('the centre showing it acknowledged too', async () => {
      const open = (await city.api('centre', 'GET', '/api/alerts/open', admin)).body as Open;
      return open.aircraft.find((a) => a.id === alert.id)?.acknowledgedBy === 'admin' || undefined;
    }, 10_000);
    // and it was carried out there, once: hf's audit, written to the one store
    const audit = (await city.api('centre', 'GET', '/api/audit?action=alert.ack', admin)).body as { target: string; result: string }[];
    expect(audit.filter((e) => e.target === `aircraft-alert:${alert.id}` || e.target === String(alert.id))).toHaveLength(1);
  });
});
