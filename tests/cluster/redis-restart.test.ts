/**
 * A city riding out a Redis restart (issue 18): on a private redis-server, node "hf" (one simulated
 * drone) and "centre". While Redis is away hf goes on serving and commanding its own drone and the
 * centre says its bus is away; when Redis is back on the same port (empty, as after a crash) the
 * centre hears hf's drone again and the pages' broadcasts (socket.io's adapter) cross again, with
 * no node restarted.
 */
import { describe, expect, it } from 'vitest';
import { POSTGRES_URL, postgresAnswers } from '../helpers/backends.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { type City, type CitySocket, type Session, startCity } from '../helpers/cluster.ts';
import { hasRedisServer, redisServerSkipReason, startRedis } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait.ts';
import type { GroundAlertView, VehicleView } from '../../server/wire/types.ts';

const cleanup = cleanupAfterEach();
const skip = !postgresAnswers ? `(skipped: PostgreSQL does not answer at ${POSTGRES_URL})` : !hasRedisServer ? redisServerSkipReason : '';
const STATION = { lat: 28.37, lon: 121.38 };

interface Health {
  city: { node: string; bus: 'up' | 'away' };
}

/** How long a node may take to answer a request: one that does not has stalled (its event loop blocked). */
const ANSWER_MS = 5000;

/** city.api, failing with the node's name when the node does not answer at all (rather than hanging the test). */
async function ask(city: City, node: string, method: string, urlPath: string, session?: Session, body?: unknown) {
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`node ${node} did not answer ${method} ${urlPath} within ${ANSWER_MS} ms: stalled`)), ANSWER_MS);
  });
  try {
    return await Promise.race([city.api(node, method, urlPath, session, body), silent]);
  } finally {
    clearTimeout(timer);
  }
}
const health = async (city: City, node: string) => (await ask(city, node, 'GET', '/api/health')).body as Health;

/** Raise a ground alert on `node`; resolves with it once `socket` (a page on another node) has been sent it through the adapter. */
async function alertCrosses(city: City, node: string, desk: Session, socket: CitySocket, note: string): Promise<GroundAlertView> {
  // Kept by id: the broadcast may reach the centre before hf's answer to the request reaches us.
  const heard = new Map<number, GroundAlertView>();
  const listen = (as: GroundAlertView[]) => as.forEach((a) => heard.set(a.id, a));
  socket.on('alerts:ground', listen);
  try {
    const r = await ask(city, node, 'POST', '/api/alerts', desk, { category: 'other', priority: 2, note, lat: STATION.lat + 0.001, lon: STATION.lon });
    if (r.status !== 201) throw new Error(`raising a ground alert on ${node}: ${r.status} ${JSON.stringify(r.body)}`);
    const id = (r.body as GroundAlertView).id;
    return await waitFor(`ground alert ${id} ("${note}") raised on ${node} reaching the centre's page`, () => heard.get(id), 15_000);
  } finally {
    socket.off('alerts:ground', listen);
  }
}

describe.skipIf(skip !== '')(`a city riding out a Redis restart ${skip}`, () => {
  it('each node serves its own drones while Redis is away, and the city joins up again when it is back, without restarts', { timeout: 240_000 }, async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.close()); // closed after the city (cleanup runs last first)
    const city = await startCity({ nodes: [{ name: 'hf', sim: 1 }, { name: 'centre' }], redis: redis.url, config: { station: STATION }, cleanup });
    const admin = await city.login('centre');
    const desk = await city.addUser('hf', 'desk1', ['command']);
    const pilot = await city.addUser('hf', 'pilot1', ['pilot']);

    // The centre's page hears hf's drone: each update with the time it was last heard at hf.
    const centre = city.socket('centre', admin);
    let latest = 0;
    centre.on('vehicles:update', (vs) => {
      for (const v of vs) if (v.id === 'sim-hf-1') latest = Math.max(latest, v.link.lastHeard);
    });
    await waitFor("the centre's page connected", () => centre.connected || undefined, 15_000);
    const since = Date.now();
    await waitFor("sim-hf-1's updates on the centre's page", () => latest > since || undefined, 30_000);
    await alertCrosses(city, 'hf', desk, centre, 'before the Redis restart');
    // A page on the node that is not the dispatch desk: what the desk broadcasts while Redis is away waits
    // in the desk's node and reaches it when Redis is back.
    const deskNode = city.nodes.find((n) => n.output().includes("the city's dispatch desk now"))!;
    const otherNode = city.nodes.find((n) => n !== deskNode)!;
    const otherPage = city.socket(otherNode, admin);
    const heardOnOther = new Set<number>();
    otherPage.on('alerts:ground', (as) => as.forEach((a) => heardOnOther.add(a.id)));
    await waitFor(`a page on ${otherNode.name} connected`, () => otherPage.connected || undefined, 15_000);

    // Redis crashes.
    await redis.stop('kill');
    const stoppedAt = Date.now();
    for (const n of ['hf', 'centre']) {
      await waitFor(`${n} saying its bus is away`, async () => (await health(city, n)).city.bus === 'away' || undefined, 15_000, 250);
    }
    // hf serves its own drone as before: fresh from the drone, and commanded on hf itself.
    await waitFor(
      'sim-hf-1 heard by hf 3 s into the outage',
      async () => {
        const v = (await ask(city, 'hf', 'GET', '/api/vehicles/sim-hf-1', admin)).body as VehicleView;
        return v.link.lastHeard > stoppedAt + 3000 && !v.link.lost && v.position ? v : undefined;
      },
      20_000,
      250,
    );
    const take = await ask(city, 'hf', 'POST', '/api/vehicles/sim-hf-1/control', pilot, { action: 'take' });
    expect(take.status, `take on hf with Redis away: ${JSON.stringify(take.body)}`).toBe(200);
    const pause = await ask(city, 'hf', 'POST', '/api/vehicles/sim-hf-1/command', pilot, { action: 'pause', confirm: true });
    expect(pause.status, `pause on hf with Redis away: ${JSON.stringify(pause.body)}`).toBe(200);
    expect(pause.body.result).toBe('accepted');
    // The dispatch desk (one node's, by its lease in PostgreSQL) takes incidents raised on its own node
    // meanwhile, broadcasting to the pages through an adapter that cannot reach Redis; raised on the
    // other node, an incident cannot reach the desk, and is refused saying so, not lost.
    const raised = await ask(city, deskNode.name, 'POST', '/api/alerts', desk, {
      category: 'other',
      note: 'during the outage',
      lat: STATION.lat,
      lon: STATION.lon,
    });
    expect(raised.status, `a ground alert raised on the desk's node with Redis away: ${JSON.stringify(raised.body)}`).toBe(201);
    const refused = await ask(city, otherNode.name, 'POST', '/api/alerts', desk, { category: 'other', lat: STATION.lat, lon: STATION.lon });
    expect(refused.status).toBe(503);
    expect(refused.body.said.code).toBe('city_bus_away');
    // The centre hears nothing of it meanwhile: it shows hf's drone with its link lost.
    await waitFor(
      'sim-hf-1 shown lost on the centre',
      async () => {
        const v = ((await ask(city, 'centre', 'GET', '/api/vehicles', admin)).body as VehicleView[]).find((x) => x.id === 'sim-hf-1');
        return v?.link.lost ? true : undefined;
      },
      20_000,
      250,
    );
    expect(centre.connected, "the centre's page stays connected to the centre through the outage").toBe(true);

    // Redis comes back, empty, on the same port.
    await redis.start();
    const backAt = Date.now();
    for (const n of ['hf', 'centre']) {
      await waitFor(`${n} saying its bus is up again`, async () => (await health(city, n)).city.bus === 'up' || undefined, 30_000, 250);
    }
    await waitFor("sim-hf-1's updates on the centre's page again", () => latest > backAt || undefined, 30_000);
    await waitFor(
      'sim-hf-1 live again on the centre',
      async () => {
        const v = ((await ask(city, 'centre', 'GET', '/api/vehicles', admin)).body as VehicleView[]).find((x) => x.id === 'sim-hf-1');
        return v && !v.link.lost && v.link.lastHeard > backAt ? true : undefined;
      },
      15_000,
      250,
    );
    // The incident raised at the desk during the outage reaches the other node's page now.
    await waitFor(
      `incident ${raised.body.id}, raised during the outage, on ${otherNode.name}'s page`,
      () => heardOnOther.has(raised.body.id) || undefined,
      15_000,
    );
    // The pages' broadcasts cross again (socket.io's adapter reads the new stream).
    await alertCrosses(city, 'hf', desk, centre, 'after the Redis restart');
    // …and a command for hf's drone is carried there again from the centre.
    const rtl = await ask(city, 'centre', 'POST', '/api/vehicles/sim-hf-1/command', pilot, { action: 'rtl', confirm: true });
    expect(rtl.status, `rtl through the centre after the restart: ${JSON.stringify(rtl.body)}`).toBe(200);

    // Nobody restarted: each node is the process it was, started once.
    for (const n of city.nodes) {
      expect(n.running(), `node ${n.name} running`).toBe(true);
      expect(n.allOutput().match(/=== node /g), `node ${n.name} started more than once:\n${n.allOutput()}`).toHaveLength(1);
    }
    expect(centre.connected, "the centre's page connected throughout").toBe(true);
  });
});

describe.skipIf(!postgresAnswers || !hasRedisServer)(`a node started while the city's Redis is away ${redisServerSkipReason}`, () => {
  it('starts, serves its own drones, and joins the city when Redis answers', { timeout: 120_000 }, async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.close());
    await redis.stop();
    const city = await startCity({ nodes: [{ name: 'hf', sim: 1 }, { name: 'centre' }], redis: redis.url, cleanup: cleanup });
    const admin = await city.login('hf');
    // Alone meanwhile: its own drone, its bus away.
    await waitFor('hf serving its own drone with Redis away', async () => {
      const r = await city.api('hf', 'GET', '/api/vehicles', admin);
      return (r.body as { id: string }[]).some((v) => v.id === 'sim-hf-1') || undefined;
    }, 30_000);
    expect(((await city.api('hf', 'GET', '/api/health')).body as { city: { bus: string } }).city.bus).toBe('away');
    await redis.start();
    await waitFor("the centre showing hf's drone once Redis answers", async () => {
      const r = await city.api('centre', 'GET', '/api/vehicles', admin);
      return (r.body as { id: string }[]).some((v) => v.id === 'sim-hf-1') || undefined;
    }, 30_000);
    expect(((await city.api('hf', 'GET', '/api/health')).body as { city: { bus: string } }).city.bus).toBe('up');
  });
});
