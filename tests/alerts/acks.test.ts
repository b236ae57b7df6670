/**
 * Aircraft and ground alerts share one table and one id counter (issue 13, item 11): each route
 * acts only on its own kind, and an id of the other kind, or of nothing, is a 404 that writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { officerPhone, SCENE } from '../helpers/officers.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

describe('alert ids and their kind', () => {
  it('acknowledges only aircraft alerts; ground-alert routes act only on ground alerts; nothing is written for the wrong kind', async () => {
    const t = await testService({ dispatch: { waveSize: 1 }, station: { ...SCENE, radiusKm: 30 } });
    cleanup.push(() => t.close());
    const chen = await officerPhone(t, 'chen', 100);
    const room = await t.user('room', ['command']);
    const admin = await t.login('admin', ADMIN_PASSWORD);
    // An aircraft alert as the monitor raises one (through the service's own store), and a ground alert.
    const aircraftId = await t.svc.store.alerts.raiseAircraft({
      vehicleId: 'l1-1',
      rule: 'mode_change',
      severity: 'warning',
      message: 'mode changed to RTL, not commanded from here',
    });
    const groundId = (await t.api('POST', '/api/alerts', room, { category: 'theft', ...SCENE })).body.id as number;
    await waitFor('offer to chen', () => chen.offers.some((a) => a.id === groundId));
    const events = (id: number) => t.svc.store.groundAlerts.events(id);
    const [groundBefore, groundEvents, aircraftBefore, aircraftEvents] = [
      (await t.api('GET', `/api/alerts/${groundId}`, room)).body,
      await events(groundId),
      await t.svc.store.alerts.aircraft(aircraftId),
      await events(aircraftId),
    ];

    expect(await t.api('POST', '/api/aircraft-alerts/999999/ack', room)).toMatchObject({ status: 404, body: { error: 'no aircraft alert 999999' } });
    expect(await t.api('POST', `/api/aircraft-alerts/${groundId}/ack`, room))
      .toMatchObject({ status: 404, body: { error: `no aircraft alert ${groundId} (${groundId} is a ground alert)` } });
    expect((await t.api('POST', '/api/aircraft-alerts/x1/ack', room)).status).toBe(400);

    const noGround = { status: 404, body: { error: `no ground alert ${aircraftId}` } };
    expect(await t.api('GET', `/api/alerts/${aircraftId}`, room)).toMatchObject(noGround);
    expect(await t.api('POST', `/api/alerts/${aircraftId}/answer`, chen.token, { answer: 'accept' })).toMatchObject(noGround);
    expect(await t.api('POST', `/api/alerts/${aircraftId}/reassign`, room, { officer: 'chen' })).toMatchObject(noGround);
    expect(await t.api('POST', `/api/alerts/${aircraftId}/close`, room, {})).toMatchObject(noGround);

    expect((await t.api('GET', `/api/alerts/${groundId}`, room)).body).toEqual(groundBefore);
    expect(await events(groundId)).toEqual(groundEvents);
    expect(await t.svc.store.alerts.aircraft(aircraftId)).toEqual(aircraftBefore);
    expect(await events(aircraftId)).toEqual(aircraftEvents);
    const acks = (await t.api('GET', '/api/audit?action=alert.ack', admin)).body as { result: string }[];
    expect(acks.map((e) => e.result)).toEqual(['refused', 'refused', 'refused']);

    // The right kind is acknowledged as before.
    const ack = await t.api('POST', `/api/aircraft-alerts/${aircraftId}/ack`, room);
    expect(ack).toMatchObject({ status: 200, body: { id: aircraftId, acknowledgedBy: 'room' } });
  });
});
