/**
 * A scheduled patrol launches once in a city. A drone is flown by the node serving its link only,
 * so two nodes never both see it due at once; what can go wrong is the hand-over: the node that
 * takes a leased link over after its holder was killed finds the slot due, the drone docked again
 * once the run has ended, and must not fly it a second time. The claim in PostgreSQL
 * (cluster_commands, written by the scheduler's mayLaunch in server/service.ts) says so.
 *
 * Real parts: two SkyBeat processes on this machine's PostgreSQL and Redis, a simulated drone in
 * a process of its own sending to a udpin link that both nodes are configured with.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { DuePatrol, PreflightItem, RunView } from '../../server/wire/types.ts';
import { RUN_ENDED } from '../../server/wire/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { type City, citySkipReason, servingNode, type Session, startCity } from '../helpers/cluster.ts';
import { REDIS_URL } from '../helpers/redis-server.ts';
import { freeUdpPort, startSimDrones } from '../helpers/sim-drones.ts';
import { waitFor } from '../helpers/wait.ts';
import { shortPlan } from '../patrols/rig.ts';

const cleanup = cleanupAfterEach();
const skip = citySkipReason;

/** The scheduler's own name in runs and the audit (server/patrols/scheduler.ts AUTO_PILOT). */
const AUTO_PILOT = 'scheduler';
const DRONE = 'hf1-1';
const ROUTE = 'nightly';

const hm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

/** Write a route into the city's shared routes folder, due at `at` (its minute), flown by DRONE. */
function writeRoute(city: City, id: string, at: Date): void {
  fs.writeFileSync(path.join(city.missionsDir, `${id}.plan`), JSON.stringify(shortPlan(20, { schedule: hm(at), defaultDrone: DRONE })));
}

async function runsOf(city: City, node: string, session: Session): Promise<RunView[]> {
  const r = await city.api(node, 'GET', '/api/runs', session);
  if (r.status !== 200) throw new Error(`GET /api/runs on ${node}: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as RunView[]).filter((x) => x.vehicleId === DRONE);
}

async function dueOn(city: City, node: string, session: Session, routeId: string): Promise<DuePatrol | undefined> {
  const r = await city.api(node, 'GET', '/api/patrols/due', session);
  if (r.status !== 200) throw new Error(`GET /api/patrols/due on ${node}: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as DuePatrol[]).find((d) => d.routeId === routeId);
}

type AuditEntry = { action: string; target: string | null; result: string; detail: { runId?: number; reason?: string } };

/** The claims rows the scheduler wrote for a slot, read straight from the city's schema. */
async function slotClaims(city: City, slot: string): Promise<{ node: string; state: string }[]> {
  const url = new URL(city.database);
  const schema = url.searchParams.get('schema')!;
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    // The id service.ts derives from the slot: "sched-" and the first 40 hex digits of its SHA-256.
    const id = `sched-${crypto.createHash('sha256').update(slot).digest('hex').slice(0, 40)}`;
    const r = await client.query<{ node: string; state: string }>(`SELECT node, state FROM ${schema}.cluster_commands WHERE id = $1`, [id]);
    return r.rows;
  } finally {
    await client.end();
  }
}

/** Until the drone would pass every preflight check for ROUTE on node but control (the caller's business). */
async function droneReady(city: City, node: string, session: Session): Promise<void> {
  await waitFor(
    `${DRONE} passing preflight on ${node}`,
    async () => {
      const r = await city.api(node, 'GET', `/api/vehicles/${DRONE}/preflight?routeId=${ROUTE}`, session);
      return r.status === 200 && (r.body as PreflightItem[]).every((i) => i.pass || i.id === 'control');
    },
    60_000,
    500,
  );
}

let probes = 0;

/**
 * A scheduler tick on node now, and ROUTE's due entry once the tick's automatic launch has decided.
 * A route change ticks the scheduler; a new probe route's listing says the tick ran (and started
 * the due slot's launch, if it starts one); the slot's entry then names a run or a refusal.
 */
async function tickAndDecide(city: City, node: string, session: Session): Promise<DuePatrol> {
  const probe = `probe${++probes}`;
  writeRoute(city, probe, new Date(Date.now() + 5 * 60_000));
  await waitFor(`a scheduler tick on ${node} (route ${probe} listed)`, () => dueOn(city, node, session, probe), 15_000, 200);
  return waitFor(
    `${node}'s due list deciding ${ROUTE} (a run, or why not)`,
    async () => {
      const d = await dueOn(city, node, session, ROUTE);
      return d && (d.runId !== null || (d.autoLaunchSaid ?? null) !== null) && d;
    },
    30_000,
    200,
  );
}

describe.skipIf(skip !== '')(`a scheduled patrol in a city launches once ${skip}`, () => {
  it(
    'the serving node launches the slot once; the node that takes the link over after a kill -9 never launches it again, even once the run has ended and it restarted',
    { timeout: 300_000 },
    async () => {
      // The drone flies by itself, apart from the nodes, so it goes on while its node is killed.
      const port = await freeUdpPort();
      await startSimDrones({ count: 1, link: `udpout://127.0.0.1:${port}`, speedup: 4, extraArgs: ['--boot-delay', '1'], cleanup });
      const link = { id: 'hf1', uri: `udpin://127.0.0.1:${port}` };
      const city = await startCity({
        nodes: [{ name: 'hf', links: [link] }, { name: 'wl', links: [link] }],
        redis: REDIS_URL,
        config: { schedule: { autoLaunch: [DRONE] } },
        exampleRoutes: false,
        cleanup,
      });
      const admin = await city.login('wl');
      const dueAt = new Date();
      writeRoute(city, ROUTE, dueAt);
      const slotStart = new Date(dueAt);
      slotStart.setSeconds(0, 0);
      const slot = `${ROUTE}@${slotStart.getTime()}`;

      // (a) The node serving the link launches it by itself (at a scheduler tick once preflight passes).
      const first = await waitFor('the scheduled patrol launched', async () => (await runsOf(city, 'wl', admin))[0], 90_000, 500);
      const holder = servingNode(city, 'hf1');
      expect(holder, `one node says it serves hf1:\n${city.nodes.map((n) => `--- ${n.name}\n${n.output()}`).join('\n')}`).toBeDefined();
      const other = holder === 'hf' ? 'wl' : 'hf';
      expect(first).toMatchObject({ routeId: ROUTE, pilot: AUTO_PILOT });
      const due = await waitFor(`${holder}'s due list naming the run`, () => dueOn(city, holder!, admin, ROUTE).then((d) => d?.runId && d), 10_000, 200);
      expect(due).toMatchObject({ dueAt: slotStart.getTime(), vehicleId: DRONE, runId: first.id });
      // The other node does not fly the drone, so it never had it to launch: no drone in its own fleet.
      expect(await dueOn(city, other, admin, ROUTE)).toMatchObject({ vehicleId: null, runId: null });
      // Claimed once, by the node that launched it, and marked launched.
      expect(await slotClaims(city, slot)).toEqual([{ node: holder, state: 'done' }]);

      // (b) The holder dies mid-flight (a launch cut off before the drone flies ends the run as
      // failed, not resumed, and the slot stays flown: a pilot decides); the other node takes the
      // link over and follows the run to its end.
      await waitFor(
        `run ${first.id} flying`,
        async () => (await runsOf(city, holder!, admin)).find((r) => r.id === first.id && r.state === 'flying'),
        60_000,
        200,
      );
      await city.node(holder!).kill9();
      await waitFor(`${other} serving hf1 after ${holder} was killed`, () => servingNode(city, 'hf1') === other, 30_000, 200);
      const ended = await waitFor(
        `run ${first.id} ended, as ${other} follows it`,
        async () => (await runsOf(city, other, admin)).find((r) => r.id === first.id && RUN_ENDED.includes(r.state)),
        180_000,
        1000,
      );
      // Docked again and fit to fly the route at once: a launch now would pass every check but control,
      // which the scheduler holds from the first launch.
      await droneReady(city, other, admin);
      // Still due within the grace window (30 min by default): a tick would launch it but for what it knows.
      expect(Date.now()).toBeLessThan(slotStart.getTime() + 30 * 60_000);
      const after = await tickAndDecide(city, other, admin);
      // The run it followed marks the slot flown (kept in this node's memory, or read from the claim's run).
      expect(after.runId, JSON.stringify(after)).toBe(first.id);
      expect(after).toMatchObject({ vehicleId: DRONE, dueAt: slotStart.getTime() });
      expect(ended.state, JSON.stringify(ended.events.map((e) => e.message))).toBe('landed');

      // (c) That node restarted: its memory of the slot is gone and the run has ended (nothing to
      // resume), so only the claim, hf's, stands between the docked drone and a second flight.
      await city.node(other).restart();
      await waitFor(`${other} serving hf1 again after its restart`, () => servingNode(city, 'hf1') === other, 30_000, 200);
      await droneReady(city, other, admin);
      const restarted = await tickAndDecide(city, other, admin);
      // It has forgotten everything but the store: the claim names the slot's run.
      expect(restarted).toMatchObject({ vehicleId: DRONE, runId: first.id });

      // One run for the slot, one automatic launch audited: the first.
      expect((await runsOf(city, other, admin)).map((r) => r.id)).toEqual([first.id]);
      const audit = (await city.api(other, 'GET', `/api/audit?user=${AUTO_PILOT}`, admin)).body as AuditEntry[];
      const launches = audit.filter((e) => e.action === 'patrol.launch' && e.result === 'ok');
      expect(launches).toHaveLength(1);
      expect(launches[0]).toMatchObject({ target: DRONE, detail: { runId: first.id } });
      // The rest are the first node's refusals while the drone was not yet ready, none after the run.
      const refusals = audit.filter((e) => e.action === 'patrol.launch' && e.result !== 'ok');
      for (const r of refusals) expect(r.detail.reason, JSON.stringify(r)).toMatch(/preflight/);
      expect(await slotClaims(city, slot)).toEqual([{ node: holder, state: 'done' }]);
    },
  );

  it('the node that launched the slot, restarted once the run has ended, does not launch it again', { timeout: 300_000 }, async () => {
    // Its own claim must not read as leave to launch: it was taken for a launch that happened.
    const port = await freeUdpPort();
    await startSimDrones({ count: 1, link: `udpout://127.0.0.1:${port}`, speedup: 4, extraArgs: ['--boot-delay', '1'], cleanup });
    const city = await startCity({
      nodes: [{ name: 'hf', links: [{ id: 'hf1', uri: `udpin://127.0.0.1:${port}` }] }],
      redis: REDIS_URL,
      config: { schedule: { autoLaunch: [DRONE] } },
      exampleRoutes: false,
      cleanup,
    });
    const admin = await city.login('hf');
    const slotStart = new Date();
    writeRoute(city, ROUTE, slotStart);
    slotStart.setSeconds(0, 0);
    const first = await waitFor('the scheduled patrol launched', async () => (await runsOf(city, 'hf', admin))[0], 90_000, 500);
    await waitFor(
      `run ${first.id} ended`,
      async () => (await runsOf(city, 'hf', admin)).find((r) => r.id === first.id && RUN_ENDED.includes(r.state)),
      180_000,
      1000,
    );
    await city.node('hf').restart();
    await droneReady(city, 'hf', admin);
    expect(Date.now()).toBeLessThan(slotStart.getTime() + 30 * 60_000);
    const decided = await tickAndDecide(city, 'hf', admin);
    expect((await runsOf(city, 'hf', admin)).map((r) => r.id), `the due entry: ${JSON.stringify(decided)}`).toEqual([first.id]);
  });

  it('a slot claimed by a node whose launch was refused, then killed, is flown by the node that takes the link over', { timeout: 300_000 }, async () => {
    // The drone has no GPS at first: the first node claims the slot and its launch is refused by preflight.
    const port = await freeUdpPort();
    const drones = await startSimDrones({
      count: 1,
      link: `udpout://127.0.0.1:${port}`,
      speedup: 4,
      extraArgs: ['--boot-delay', '1', '--gps-loss', '1'],
      cleanup,
    });
    const link = { id: 'hf1', uri: `udpin://127.0.0.1:${port}` };
    const city = await startCity({
      nodes: [{ name: 'hf', links: [link] }, { name: 'wl', links: [link] }],
      redis: REDIS_URL,
      config: { schedule: { autoLaunch: [DRONE] } },
      exampleRoutes: false,
      cleanup,
    });
    const admin = await city.login('wl');
    const slotStart = new Date();
    writeRoute(city, ROUTE, slotStart);
    slotStart.setSeconds(0, 0);
    const slot = `${ROUTE}@${slotStart.getTime()}`;
    const holder = await waitFor('a node serving hf1', () => servingNode(city, 'hf1'), 30_000, 200);
    const other = holder === 'hf' ? 'wl' : 'hf';
    await waitFor(
      `${holder} refusing the launch for its preflight`,
      async () => {
        const audit = (await city.api(other, 'GET', `/api/audit?user=${AUTO_PILOT}`, admin)).body as AuditEntry[];
        return audit.some((e) => e.action === 'patrol.launch' && e.result === 'refused');
      },
      60_000,
      500,
    );
    // A refused launch gives its claim up: the slot is free for whichever node can fly it.
    expect(await slotClaims(city, slot)).toEqual([]);

    await city.node(holder).kill9();
    await waitFor(`${other} serving hf1 after ${holder} was killed`, () => servingNode(city, 'hf1') === other, 30_000, 200);
    const cleared = await fetch(`${drones.control}/1/clear-faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(cleared.status, await cleared.text()).toBe(200);
    await droneReady(city, other, admin);
    expect(Date.now()).toBeLessThan(slotStart.getTime() + 30 * 60_000);
    const decided = await tickAndDecide(city, other, admin);
    // Nobody flew it: the slot is the new serving node's to fly, and pilots are not told it was launched.
    expect(decided.autoLaunchSaid?.code, JSON.stringify(decided)).not.toBe('due_claimed_elsewhere');
    const run = await waitFor(`a run of ${ROUTE} by ${other}`, async () => (await runsOf(city, other, admin))[0], 60_000, 500);
    expect(run).toMatchObject({ routeId: ROUTE, pilot: AUTO_PILOT });
  });
});
