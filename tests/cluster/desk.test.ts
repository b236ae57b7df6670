/**
 * One dispatch desk for the whole city: an incident raised on any node reaches an officer whose phone
 * is on another, escalates once (not once per node), and the desk moves to another node when its
 * node is killed, so a new incident is still dispatched.
 */
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { type City, type CitySocket, startCity, citySkipReason } from '../helpers/cluster.ts';
import { REDIS_URL } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait.ts';
import type { GroundAlertView, StationSummary } from '../../server/wire/types.ts';

const cleanup = cleanupAfterEach();
const skip = citySkipReason;
const HOME = { lat: 28.37, lon: 121.38 };

/** An officer on duty at a place, their phone on `node`, the offers it receives kept. */
async function officerPhone(city: City, node: string, name: string, at: { lat: number; lon: number }) {
  const session = await city.addUser(node, name, ['officer']);
  const phone: CitySocket = city.socket(node, session);
  const offers: GroundAlertView[] = [];
  phone.on('ground:offer', (a, received) => {
    offers.push(a);
    received(true);
  });
  await waitFor(`${name}'s phone connected to ${node}`, () => phone.connected || undefined, 15_000);
  await phone.emitWithAck('officer:duty', true);
  await phone.emitWithAck('officer:location', { ...at, accuracyM: 5 });
  return { session, phone, offers };
}

describe.skipIf(skip !== '')(`the city's one dispatch desk ${skip}`, () => {
  it('dispatches across nodes, one wave at a time, and moves to another node when its node dies', { timeout: 150_000 }, async () => {
    const city = await startCity({
      nodes: [{ name: 'hf' }, { name: 'wl' }, { name: 'centre' }],
      redis: REDIS_URL,
      config: { dispatch: { waveSize: 1, escalateAfterS: 2 }, station: { ...HOME, radiusKm: 50 } },
      cleanup,
    });
    const admin = await city.login('centre');
    // Officers' phones on two different nodes, neither of them the centre; o1 is nearer the incident.
    const o1 = await officerPhone(city, 'hf', 'o1', { lat: HOME.lat + 0.001, lon: HOME.lon });
    const o2 = await officerPhone(city, 'wl', 'o2', { lat: HOME.lat + 0.01, lon: HOME.lon });
    // Every node knows both officers, on duty, where their phones are.
    await waitFor('both officers on duty on the centre', async () => {
      const list = (await city.api('centre', 'GET', '/api/officers', admin)).body as { name: string; onDuty: boolean; lat: number | null }[];
      return list.filter((o) => o.onDuty && o.lat !== null).length === 2 || undefined;
    }, 15_000);

    // Raised on the centre: the desk (whichever node it is) offers it to o1 first, on hf.
    const raised = await city.api('centre', 'POST', '/api/alerts', admin, { category: 'fight', lat: HOME.lat, lon: HOME.lon, note: 'city test' });
    expect(raised.status, JSON.stringify(raised.body)).toBe(201);
    const id = (raised.body as GroundAlertView).id;
    await waitFor("the offer on o1's phone (node hf)", () => o1.offers.some((a) => a.id === id) || undefined, 15_000);
    // Nobody answers: after escalateAfterS the next wave offers it to o2, on wl, once.
    await waitFor("the offer on o2's phone (node wl)", () => o2.offers.some((a) => a.id === id) || undefined, 15_000);
    // Long enough for three nodes' timers to have escalated it twice more each, had they all run.
    await new Promise((r) => setTimeout(r, 5000));
    const openOn = async (node: string) => ((await city.api(node, 'GET', '/api/alerts/open', admin)).body as { ground: GroundAlertView[] }).ground;
    const view = (await openOn('wl')).find((a) => a.id === id)!;
    // each officer alerted once: a wave per escalation, from one desk
    expect(view.dispatch.map((d) => d.officer).sort(), JSON.stringify(view.dispatch)).toEqual(['o1', 'o2']);
    expect(o1.offers.filter((a) => a.id === id).length).toBe(1);
    expect(o2.offers.filter((a) => a.id === id).length).toBe(1);

    // o2 accepts on wl; every node's desk view shows o2 holding it.
    const accepted = await city.api('wl', 'POST', `/api/alerts/${id}/answer`, o2.session, { answer: 'accept' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    for (const node of ['hf', 'wl', 'centre']) {
      await waitFor(`o2 holding the job on ${node}`, async () => {
        return (await openOn(node)).find((a) => a.id === id)?.assignee?.officer === 'o2' || undefined;
      }, 10_000);
    }

    // The desk's node dies: another takes the desk, and a new incident is dispatched.
    const health = await Promise.all(city.nodes.map(async (n) => ({ n, h: (await city.api(n, 'GET', '/api/health')).body })));
    const deskLog = city.nodes.find((n) => n.output().includes("the city's dispatch desk now"))!;
    expect(deskLog, JSON.stringify(health.map((x) => x.n.name))).toBeDefined();
    await deskLog.kill9();
    const survivor = city.nodes.find((n) => n.running() && n !== deskLog)!;
    const session = await city.login(survivor);
    let last = '';
    const killedAt = Date.now();
    const again = await waitFor(
      `a new incident taken by the new desk (last answer: ${last})`,
      async () => {
        const r = await city.api(survivor, 'POST', '/api/alerts', session, { category: 'theft', lat: HOME.lat, lon: HOME.lon + 0.001 });
        last = `${r.status} ${JSON.stringify(r.body)} after ${Date.now() - killedAt} ms`;
        return r.status === 201 ? r.body as GroundAlertView : undefined;
      },
      40_000,
      500,
    );
    // o1 is free and nearest; if its phone's node was the one killed, o1 is unreachable and o2 is busy: nobody then.
    if (deskLog.name !== 'hf') await waitFor('the new offer on o1', () => o1.offers.some((a) => a.id === again.id) || undefined, 15_000);
    expect(again.number).toMatch(/-\d{3}$/);
  });

  it('numbers each incident as the station whose area holds it, whichever node raises it and whichever is the desk', { timeout: 120_000 }, async () => {
    const A = { lat: 28.37, lon: 121.38 };
    const B = { lat: 28.45, lon: 121.46 };
    const C = { lat: 28.41, lon: 121.42 };
    const city = await startCity({
      nodes: [
        { name: 'hf', sim: 1, config: { station: { id: 'hf', code: 'HF', ...A, radiusKm: 3 } } },
        { name: 'wl', config: { station: { id: 'wl', code: 'WL', ...B, radiusKm: 3 } } },
        { name: 'centre', config: { station: { id: 'centre', code: 'QZ', ...C, radiusKm: 1 } } },
      ],
      redis: REDIS_URL,
      cleanup,
    });
    const admin = await city.login('centre');
    // every node has heard every station (their snapshots carry it); each hears them on its own, so each is asked
    for (const node of ['hf', 'wl', 'centre']) {
      await waitFor(`${node} knowing all three stations`, async () => {
        const list = (await city.api(node, 'GET', '/api/stations', admin)).body as { id: string }[];
        return list.length === 3 || undefined;
      }, 15_000);
    }
    // …and one of them has taken the desk (a lease: within a second or two of the start)
    await waitFor('a dispatch desk', () => city.nodes.some((n) => n.output().includes("the city's dispatch desk now")) || undefined, 15_000);
    const raise = async (node: string, body: Record<string, unknown>) => {
      const r = await city.api(node, 'POST', '/api/alerts', admin, { category: 'other', ...body });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return (r.body as GroundAlertView).number;
    };
    expect(await raise('centre', A)).toMatch(/^HF-\d{8}-001$/);
    expect(await raise('hf', B)).toMatch(/^WL-\d{8}-001$/);
    expect(await raise('wl', C)).toMatch(/^QZ-\d{8}-001$/);
    expect(await raise('wl', { lat: A.lat + 0.001, lon: A.lon })).toMatch(/^HF-\d{8}-002$/);
    // "here": at hf's drone, raised on wl, whose own fleet has no such drone
    await waitFor('sim-hf-1 with a position on wl', async () => {
      const v = (await city.api('wl', 'GET', '/api/vehicles/sim-hf-1', admin)).body as { position: unknown };
      return v?.position || undefined;
    }, 30_000);
    expect(await raise('wl', { vehicleId: 'sim-hf-1', here: true })).toMatch(/^HF-\d{8}-003$/);
    // outside every station's area: refused, said against the nearest
    const far = await city.api('centre', 'POST', '/api/alerts', admin, { category: 'other', lat: 28.9, lon: 121.4 });
    expect(far.status).toBe(422);
    expect(far.body.said.code).toBe('alert_outside_area');
  });
  it(
    "keeps a station whose node died: marked silent, its area still its own (the centre raises an incident there as the station's, and the station's people see it), also once the centre restarted",
    { timeout: 120_000 },
    async () => {
      const HF = { lat: 28.37, lon: 121.38 };
      const city = await startCity({
        nodes: [
          { name: 'hf', config: { station: { id: 'hf', code: 'HF', ...HF, radiusKm: 3 } } },
          { name: 'centre', config: { station: { id: 'centre', code: 'QZ', lat: 28.45, lon: 121.46, radiusKm: 1 } } },
        ],
        redis: REDIS_URL,
        exampleRoutes: false,
        cleanup,
      });
      const admin = await city.login('centre');
      const added = await city.api('centre', 'POST', '/api/users', admin, { name: 'hf-room', password: 'hf-room-password', roles: ['command'], scope: 'hf' });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      const room = await city.login('centre', 'hf-room', 'hf-room-password');
      const stations = async () => (await city.api('centre', 'GET', '/api/stations', admin)).body as StationSummary[];
      await waitFor('the centre knowing hf', async () => (await stations()).some((s) => s.id === 'hf' && !s.silent) || undefined, 15_000);

      await city.node('hf').kill9();
      const silent = await waitFor('hf shown silent on the centre', async () => (await stations()).find((s) => s.id === 'hf' && s.silent), 20_000);
      expect(silent).toMatchObject({ node: 'hf', patrolsRunning: 0 });
      // The desk is the centre's now (a lease: within its 6 s), and an incident in hf's area is hf's.
      await waitFor('the centre holding the desk', () => city.node('centre').output().includes("the city's dispatch desk now") || undefined, 20_000);
      const raised = await city.api('centre', 'POST', '/api/alerts', admin, { category: 'other', lat: HF.lat + 0.001, lon: HF.lon });
      expect(raised.status, JSON.stringify(raised.body)).toBe(201);
      expect((raised.body as GroundAlertView).number).toMatch(/^HF-\d{8}-\d{3}$/);
      const seen = (await city.api('centre', 'GET', '/api/alerts', room)).body as GroundAlertView[];
      expect(seen.map((a) => a.id)).toContain((raised.body as GroundAlertView).id);

      // The centre restarted while hf is still down knows hf from what hf said in the store.
      await city.node('centre').restart();
      const again = await city.login('centre');
      const known = ((await city.api('centre', 'GET', '/api/stations', again)).body as StationSummary[]).find((s) => s.id === 'hf');
      expect(known).toMatchObject({ node: 'hf', silent: true, radiusKm: 3 });
      await waitFor('the restarted centre holding the desk', () => city.node('centre').output().includes("the city's dispatch desk now") || undefined, 20_000);
      const next = await city.api('centre', 'POST', '/api/alerts', again, { category: 'other', lat: HF.lat, lon: HF.lon + 0.001 });
      expect(next.status, JSON.stringify(next.body)).toBe(201);
      expect((next.body as GroundAlertView).number).toMatch(/^HF-\d{8}-\d{3}$/);
    },
  );
});
