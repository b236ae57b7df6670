import { describe, expect, it } from 'vitest';
import type { GroundAlertView } from '../../server/wire/types.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { at, officerPhone as phone, SCENE, type LiveSocket as S } from '../helpers/officers.ts';

type T = Awaited<ReturnType<typeof testService>>;
const cleanup = cleanupAfterEach();

async function start(escalateAfterMs = 60_000): Promise<T> {
  const t = await testService({ dispatch: { waveSize: 1, escalateAfterMs }, station: { ...SCENE, radiusKm: 30 } });
  cleanup.push(() => t.close());
  return t;
}

describe('ground dispatch', () => {
  it('the nearest officer is offered the alert, confirms delivery, accepts; the command room sees it all', async () => {
    const t = await start();
    const far = await phone(t, 'wang', 900);
    const near = await phone(t, 'chen', 150);
    const command = await t.user('room1', ['command']);
    const room: S = t.socket(command);
    const roomSees = new Map<number, GroundAlertView>();
    room.on('alerts:ground', (list) => {
      for (const a of list) roomSees.set(a.id, a);
    });

    const created = await t.api('POST', '/api/alerts', command, { category: 'fight', ...SCENE, note: 'two men fighting by the noodle stall', priority: 1 });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    await waitFor('offer to the nearest', () => near.offers.length === 1);
    expect(far.offers).toHaveLength(0);
    await waitFor('delivery confirmed', () => roomSees.get(id)?.dispatch[0]?.deliveredAt);
    expect(roomSees.get(id)!.dispatch).toMatchObject([{ officer: 'chen', distanceM: 150, answer: null }]);

    expect((await t.api('POST', `/api/alerts/${id}/answer`, near.token, { answer: 'accept' })).body.state).toBe('accepted');
    await waitFor('command room sees the assignee', () => roomSees.get(id)?.assignee?.officer === 'chen');
    // She closes in: the command room sees her distance fall.
    await new Promise<void>((r) => near.socket.emit('officer:location', at(40), () => r()));
    const a = await waitFor('distance update', () => (roomSees.get(id)?.assignee?.distanceM ?? 999) < 100 ? roomSees.get(id) : undefined);
    expect(a!.assignee).toMatchObject({ officer: 'chen', distanceM: 40 });
    expect(a!.assignee!.etaS).toBeGreaterThan(0);
    for (const step of ['en_route', 'on_scene', 'resolved'] as const) {
      expect((await t.api('POST', `/api/alerts/${id}/answer`, near.token, { answer: step })).body.state).toBe(step);
    }
    await waitFor('resolved seen', () => roomSees.get(id)?.state === 'resolved');
  });

  it('escalates to the next officer when nobody accepts in time, and at once when all decline', async () => {
    const t = await start(400);
    const first = await phone(t, 'li', 100);
    const second = await phone(t, 'zhao', 300);
    const third = await phone(t, 'sun', 500);
    const pilot = await t.user('pilot1', ['pilot']);
    const id = (await t.api('POST', '/api/alerts', pilot, { category: 'gambling', ...SCENE })).body.id;
    await waitFor('first wave', () => first.offers.length === 1);
    expect(second.offers).toHaveLength(0);
    await waitFor('second wave after the timeout', () => second.offers.length === 1, 3000);
    expect((await t.api('POST', `/api/alerts/${id}/answer`, second.token, { answer: 'decline' })).status).toBe(200);
    await waitFor('third wave', () => third.offers.length === 1, 3000);
    expect((await t.api('POST', `/api/alerts/${id}/answer`, third.token, { answer: 'accept' })).body.assignee.officer).toBe('sun');
    // Taken: the first officer can no longer accept it.
    const late = await t.api('POST', `/api/alerts/${id}/answer`, first.token, { answer: 'accept' });
    expect(late).toMatchObject({ status: 409, body: { error: `ground alert ${id} is already taken by sun` } });
  });

  it('an alert nobody can be sent yet reaches every command room at once, and goes to the first officer who can take it', async () => {
    const t = await start();
    const other = t.socket(await t.user('room-b', ['command']));
    const roomSees = new Map<number, GroundAlertView>();
    other.on('alerts:ground', (list) => {
      for (const a of list) roomSees.set(a.id, a);
    });
    await new Promise<void>((r) => other.on('connect', () => r()));
    const id = (await t.api('POST', '/api/alerts', await t.user('room-a', ['command']), { category: 'fire', ...SCENE })).body.id as number;
    await waitFor('the other command room sees it waiting', () => roomSees.get(id)?.state === 'open');
    const officer = await phone(t, 'tang', 300);
    await waitFor('offered to the officer who came on duty', () => officer.offers.some((a) => a.id === id));
    await waitFor('the command room sees it dispatched', () => roomSees.get(id)?.state === 'dispatched');
  });

  it('an officer whose phone was offline gets the open alert when it reconnects', async () => {
    const t = await start();
    const token = await t.user('zhou', ['officer']);
    await t.api('POST', '/api/officer/duty', token, { onDuty: true });
    await t.api('POST', '/api/officer/location', token, at(200));
    const command = await t.user('room2', ['command']);
    const id = (await t.api('POST', '/api/alerts', command, { category: 'missing_person', ...SCENE, note: 'child, red coat' })).body.id;
    const view = (await t.api('GET', `/api/alerts/${id}`, command)).body as GroundAlertView;
    expect(view.dispatch).toMatchObject([{ officer: 'zhou', deliveredAt: null }]);

    const s: S = t.socket(token);
    const got = await new Promise<GroundAlertView[]>((r) => s.on('alerts:ground', r));
    expect(got.map((a) => [a.id, a.note])).toEqual([[id, 'child, red coat']]);
    await waitFor('delivery recorded', async () => (await t.api('GET', `/api/alerts/${id}`, command)).body.dispatch[0].deliveredAt);
  });

  it('skips an officer whose phone has been offline past the grace, and shows the command room it is offline', async () => {
    const t = await testService({ dispatch: { waveSize: 1, phoneOfflineGraceMs: 300 }, station: { ...SCENE, radiusKm: 30 } });
    cleanup.push(() => t.close());
    const gone = await phone(t, 'qian', 100);
    const far = await phone(t, 'feng', 600);
    const command = await t.user('room3', ['command']);
    const room: S = t.socket(command);
    const officers = new Map<string, boolean>();
    room.on('officers', (list) => {
      for (const o of list) officers.set(o.name, o.phoneOnline);
    });
    await waitFor('command room sees both phones online', () => officers.get('qian') === true && officers.get('feng') === true);

    gone.socket.disconnect();
    await waitFor('command room sees the phone offline', () => officers.get('qian') === false);
    // Within the grace the nearest is still alerted (the offer waits for the reconnect) ...
    const first = (await t.api('POST', '/api/alerts', command, { category: 'fight', ...SCENE })).body as GroundAlertView;
    expect(first.dispatch.map((d) => d.officer)).toEqual(['qian']);
    // ... past it, the next nearest with a phone is.
    await new Promise((r) => setTimeout(r, 400));
    const second = (await t.api('POST', '/api/alerts', command, { category: 'theft', ...SCENE })).body as GroundAlertView;
    expect(second.dispatch.map((d) => d.officer)).toEqual(['feng']);
    await waitFor('offer reaches the phone that is online', () => far.offers.some((a) => a.id === second.id));
  });

  it('refuses bad input with clear 4xx, audits it, and changes nothing', async () => {
    const t = await start();
    const officer = await phone(t, 'ma', 100);
    const other = await t.user('he', ['officer']);
    const command = await t.user('room3', ['command']);
    const admin = await t.login('admin', 'admin-test-password');

    const far = await t.api('POST', '/api/alerts', command, { category: 'fire', lat: 0, lon: 0 });
    expect(far.status).toBe(422);
    expect(far.body.error).toMatch(/km from the station, outside its 30 km area \(0,0 is "no position"\)/);
    const unknown = await t.api('POST', '/api/alerts', command, { category: 'jaywalking', ...SCENE });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/^invalid request body: category: /);
    const noPlace = await t.api('POST', '/api/alerts', command, { category: 'theft' });
    expect(noPlace.body.error).toMatch(/lat: give lat and lon, or vehicleId with here: true/);
    const here = await t.api('POST', '/api/alerts', command, { category: 'theft', vehicleId: 'l1-9', here: true });
    expect(here).toMatchObject({ status: 422, body: { error: 'vehicleId: no vehicle "l1-9"' } });

    const id = (await t.api('POST', '/api/alerts', command, { category: 'theft', ...SCENE })).body.id;
    await waitFor('offer', () => officer.offers.length === 1);
    const before = (await t.api('GET', `/api/alerts/${id}`, command)).body;
    const wrong = await t.api('POST', `/api/alerts/${id}/answer`, other, { answer: 'accept' });
    expect(wrong).toMatchObject({ status: 403, body: { error: `ground alert ${id} was not sent to he` } });
    const early = await t.api('POST', `/api/alerts/${id}/answer`, officer.token, { answer: 'on_scene' });
    expect(early).toMatchObject({ status: 409, body: { error: `cannot answer "on_scene" to ground alert ${id} in state dispatched` } });
    expect((await t.api('POST', `/api/alerts/${id}/answer`, command, { answer: 'accept' })).status).toBe(403); // not an officer
    expect((await t.api('POST', '/api/alerts/999/answer', officer.token, { answer: 'accept' })).status).toBe(404);
    const after = (await t.api('GET', `/api/alerts/${id}`, command)).body;
    expect(after).toEqual(before);

    const audit = (await t.api('GET', '/api/audit?action=alert.create', admin)).body as { result: string; detail: { reason?: string } }[];
    expect(audit.filter((e) => e.result === 'refused').map((e) => e.detail.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/outside its 30 km area/), 'vehicleId: no vehicle "l1-9"']),
    );
    const answers = (await t.api('GET', '/api/audit?action=alert.answer', admin)).body as { user: string; result: string }[];
    expect(answers.filter((e) => e.result === 'refused').map((e) => e.user).sort()).toEqual(['he', 'ma', 'ma']);
  });

  it('open alerts survive a restart and go on escalating; history filters by time and area', async () => {
    const t = await start(300);
    await t.user('officer-a', ['officer']);
    const command = await t.user('room4', ['command']);
    const id = (await t.api('POST', '/api/alerts', command, { category: 'traffic', ...SCENE })).body.id;
    const outside = (await t.api('POST', '/api/alerts', command, { category: 'other', lat: 28.45, lon: 121.5 })).body.id;
    expect((await t.api('GET', `/api/alerts/${id}`, command)).body.state).toBe('open'); // nobody on duty yet
    await t.svc.close();
    cleanup.pop();

    const t2 = await testService({ dataDir: t.dataDir, dispatch: { waveSize: 1, escalateAfterMs: 300 }, station: { ...SCENE, radiusKm: 30 } });
    cleanup.push(() => t2.close());
    const command2 = await t2.login('room4', 'room4-password');
    expect((await t2.api('GET', `/api/alerts/${id}`, command2)).body).toMatchObject({ id, state: 'open', category: 'traffic' });
    // An officer comes on duty: the waiting alert goes to him.
    const officer = await t2.login('officer-a', 'officer-a-password');
    await t2.api('POST', '/api/officer/location', officer, at(50));
    await t2.api('POST', '/api/officer/duty', officer, { onDuty: true });
    await waitFor('dispatched after restart', async () => (await t2.api('GET', `/api/alerts/${id}`, command2)).body.state === 'dispatched');

    const near = (await t2.api('GET', `/api/alerts?bbox=121.37,28.36,121.39,28.38`, command2)).body as GroundAlertView[];
    expect(near.map((a) => a.id)).toEqual([id]);
    const all = (await t2.api('GET', `/api/alerts?from=0`, command2)).body as GroundAlertView[];
    expect(all.map((a) => a.id).sort()).toEqual([id, outside].sort());
    expect((await t2.api('GET', `/api/alerts?bbox=nonsense`, command2)).body.error).toMatch(/bbox: west,south,east,north/);
  });
});
