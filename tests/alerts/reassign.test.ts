/**
 * The command room reassigning a ground alert (issue 13, item 11): the officer it was taken from
 * cannot answer it any more, their phone is told, and a job goes only to an enabled officer.
 */
import { describe, expect, it } from 'vitest';
import type { GroundAlertView } from '../../server/wire/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { officerPhone, SCENE } from '../helpers/officers.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

async function start() {
  const t = await testService({ dispatch: { waveSize: 1 }, station: { ...SCENE, radiusKm: 30 } });
  cleanup.push(() => t.close());
  return t;
}

type AuditEntry = { user: string; target: string; result: string; detail: { reason?: string } };

describe('reassigning a ground alert', () => {
  it("the officer it was taken from cannot take it back: each answer is refused (409), kept in the alert's events and audited; their phone drops it", async () => {
    const t = await start();
    const chen = await officerPhone(t, 'chen', 100);
    const wang = await officerPhone(t, 'wang', 900);
    const command = await t.user('room', ['command']);
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const id = (await t.api('POST', '/api/alerts', command, { category: 'theft', ...SCENE })).body.id as number;
    await waitFor('offer to chen', () => chen.offers.some((a) => a.id === id));
    expect((await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'accept' })).body.assignee.officer).toBe('chen');

    const moved = await t.api('POST', `/api/alerts/${id}/reassign`, command, { officer: 'wang' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ state: 'dispatched', assignee: null });
    const byOfficer = (v: GroundAlertView, name: string) => v.dispatch.find((d) => d.officer === name);
    expect(byOfficer(moved.body, 'chen')!.withdrawn).toMatchObject({ to: 'wang' });
    expect(byOfficer(moved.body, 'wang')!.withdrawn).toBeNull();
    // chen's phone hears of it (and so can take the job off its screen); wang's rings.
    await waitFor("chen's phone told", () => chen.seen.get(id) && byOfficer(chen.seen.get(id)!, 'chen')?.withdrawn?.to === 'wang');
    await waitFor('offer to wang', () => wang.offers.some((a) => a.id === id));

    const before = (await t.api('GET', `/api/alerts/${id}`, command)).body;
    for (const answer of ['accept', 'en_route', 'on_scene', 'resolved', 'decline']) {
      const late = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer });
      expect(late).toMatchObject({ status: 409, body: { error: `ground alert ${id} was reassigned to wang` } });
    }
    expect((await t.api('GET', `/api/alerts/${id}`, command)).body).toEqual(before);
    const refused = (await t.svc.store.groundAlerts.events(id)).filter((e) => e.kind === 'refused');
    expect(refused.map((e) => [e.user, e.detail?.answer, e.detail?.reason])).toEqual(
      ['accept', 'en_route', 'on_scene', 'resolved', 'decline'].map((a) => ['chen', a, `ground alert ${id} was reassigned to wang`]),
    );
    const audit = (await t.api('GET', '/api/audit?action=alert.answer', admin)).body as AuditEntry[];
    expect(audit.filter((e) => e.result === 'refused' && e.user === 'chen')).toHaveLength(5);

    // The job is wang's to take; chen's phone, reconnecting, no longer gets it.
    expect((await t.api('POST', `/api/alerts/${id}/answer`, wang.token, { answer: 'accept' })).body.assignee.officer).toBe('wang');
    const again = t.socket(chen.token);
    expect(await new Promise<GroundAlertView[]>((r) => again.once('alerts:ground', r))).toEqual([]);
  });

  it('refuses a name that is not an enabled officer, naming it, and changes nothing', async () => {
    const t = await start();
    await officerPhone(t, 'chen', 100);
    const command = await t.user('room', ['command']);
    await t.user('room2', ['command']);
    await t.user('li', ['officer']);
    const admin = await t.login('admin', ADMIN_PASSWORD);
    expect((await t.api('PATCH', '/api/users/li', admin, { disabled: true })).status).toBe(200);
    const id = (await t.api('POST', '/api/alerts', command, { category: 'fire', ...SCENE })).body.id as number;
    const before = (await t.api('GET', `/api/alerts/${id}`, command)).body;
    const eventsBefore = await t.svc.store.groundAlerts.events(id);

    const cases: [string, number, string][] = [
      ['nobody', 404, 'officer: no user "nobody"'],
      ['room2', 400, 'officer: "room2" is not an officer (roles: command)'],
      ['li', 400, 'officer: "li" is disabled'],
    ];
    for (const [officer, status, error] of cases) {
      expect(await t.api('POST', `/api/alerts/${id}/reassign`, command, { officer })).toMatchObject({ status, body: { error } });
    }
    expect((await t.api('GET', `/api/alerts/${id}`, command)).body).toEqual(before);
    expect(await t.svc.store.groundAlerts.events(id)).toEqual(eventsBefore);
    const audit = (await t.api('GET', '/api/audit?action=alert.reassign', admin)).body as AuditEntry[];
    expect(audit.filter((e) => e.result === 'refused').map((e) => e.detail.reason).sort()).toEqual(cases.map((c) => c[2]).sort());
  });
});
