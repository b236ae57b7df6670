/**
 * Answers an officer's phone made offline and sends later (issue 14, item 7), and the reason
 * given with a decline (item 6), against the real service over HTTP: the phone's time is kept
 * within bounds, a late answer that no longer applies is kept in the alert's story but not
 * applied, and an answer sent twice is taken once.
 */
import { describe, expect, it } from 'vitest';
import type { GroundAlertView, IncidentLogEntry } from '../../server/wire/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { officerPhone, SCENE } from '../helpers/officers.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

async function start() {
  const t = await testService({ dispatch: { waveSize: 1, escalateAfterMs: 60_000 }, station: { ...SCENE, radiusKm: 30 } });
  cleanup.push(() => t.close());
  return t;
}

const mine = (v: GroundAlertView, officer: string) => v.dispatch.find((d) => d.officer === officer)!;

describe('answers made offline and sent later', () => {
  it('keep the time the officer made them, never in the future and never before the offer or the previous answer', async () => {
    const t = await start();
    const chen = await officerPhone(t, 'chen', 100);
    const command = await t.user('room', ['command']);
    const id = (await t.api('POST', '/api/alerts', command, { category: 'theft', ...SCENE })).body.id as number;
    await waitFor('offer', () => chen.offers.length === 1);
    const offeredAt = mine(chen.offers[0]!, 'chen').notifiedAt;

    // Made before the offer (a phone clock running late): taken as made at the offer.
    const accept = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'accept', at: offeredAt - 60_000 });
    expect(accept.status).toBe(200);
    expect(mine(accept.body, 'chen')).toMatchObject({ answer: 'accept', answeredAt: offeredAt });
    // Made a moment ago, sent now: its own time.
    await new Promise((r) => setTimeout(r, 30));
    const madeAt = Date.now() - 10;
    const enRoute = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'en_route', at: madeAt });
    expect(mine(enRoute.body, 'chen')).toMatchObject({ answer: 'en_route', answeredAt: madeAt });
    // In the future (a phone clock running fast): taken as made when it arrived.
    const before = Date.now();
    const onScene = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'on_scene', at: Date.now() + 3_600_000 });
    const after = Date.now();
    expect(mine(onScene.body, 'chen').answeredAt).toBeGreaterThanOrEqual(before);
    expect(mine(onScene.body, 'chen').answeredAt).toBeLessThanOrEqual(after);
    // Before its own previous answer: the order stands.
    const resolved = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'resolved', at: madeAt - 5 });
    expect(resolved.status).toBe(200);
    expect(mine(resolved.body, 'chen').answeredAt).toBe(mine(onScene.body, 'chen').answeredAt);

    const bad = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'resolved', at: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^invalid request body: at: /);
  });

  it('a late "on scene" after the command room reassigned the job is recorded with its time, not applied; the same answer sent twice is taken once', async () => {
    const t = await start();
    const chen = await officerPhone(t, 'chen', 100);
    await officerPhone(t, 'wang', 900);
    const command = await t.user('room', ['command']);
    const id = (await t.api('POST', '/api/alerts', command, { category: 'fight', ...SCENE })).body.id as number;
    await waitFor('offer', () => chen.offers.length === 1);

    const accepted = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'accept' });
    // The reply was lost on the way back: the phone sends it again. Nothing changes, nothing is added.
    const events = (await t.svc.store.groundAlerts.events(id)).length;
    const again = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'accept', at: Date.now() - 1000 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(accepted.body);
    expect(await t.svc.store.groundAlerts.events(id)).toHaveLength(events);

    // chen's phone loses its network; she taps "on scene"; meanwhile the command room gives the job to wang.
    const tappedAt = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    expect((await t.api('POST', `/api/alerts/${id}/reassign`, command, { officer: 'wang' })).status).toBe(200);
    const view = (await t.api('GET', `/api/alerts/${id}`, command)).body as GroundAlertView;
    const late = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'on_scene', at: tappedAt });
    // With a code and its parameters, for the phone to say it in the officer's language.
    expect(late).toMatchObject({
      status: 409,
      body: { error: `ground alert ${id} was reassigned to wang`, code: 'answer_reassigned', params: { to: 'wang' } },
    });
    expect((await t.api('GET', `/api/alerts/${id}`, command)).body).toEqual(view);
    const refused = (await t.svc.store.groundAlerts.events(id)).filter((e) => e.kind === 'refused');
    expect(refused.map((e) => ({ user: e.user, ...e.detail }))).toEqual([
      {
        user: 'chen',
        answer: 'on_scene',
        at: tappedAt,
        reason: `ground alert ${id} was reassigned to wang`,
        code: 'answer_reassigned',
        params: { to: 'wang' },
      },
    ]);
    // The incident's log shows it beside the steps: who, what, when tapped, and why it was not applied.
    const entry = ((await t.api('GET', '/api/alerts/log', command)).body as IncidentLogEntry[]).find((e) => e.id === id)!;
    expect(entry.notApplied).toEqual([
      {
        officer: 'chen',
        answer: 'on_scene',
        at: tappedAt,
        code: 'answer_reassigned',
        params: { to: 'wang' },
        reason: `ground alert ${id} was reassigned to wang`,
      },
    ]);
    expect(entry.timeline.on_scene).toBeNull();
  });

  it("an answer out of order is refused and kept in the alert's story", async () => {
    const t = await start();
    const chen = await officerPhone(t, 'chen', 100);
    const command = await t.user('room', ['command']);
    const id = (await t.api('POST', '/api/alerts', command, { category: 'fight', ...SCENE })).body.id as number;
    await waitFor('offer', () => chen.offers.length === 1);
    const early = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'on_scene', at: Date.now() });
    expect(early).toMatchObject({
      status: 409,
      body: {
        error: `cannot answer "on_scene" to ground alert ${id} in state dispatched`,
        code: 'answer_out_of_order',
        params: { answer: 'on_scene', state: 'dispatched' },
      },
    });
    expect((await t.svc.store.groundAlerts.events(id)).filter((e) => e.kind === 'refused').map((e) => e.detail?.answer)).toEqual(['on_scene']);
  });
});

describe('declining a job', () => {
  it('keeps the reason with the decline; a reason goes only with a decline', async () => {
    const t = await start();
    const chen = await officerPhone(t, 'chen', 100);
    const command = await t.user('room', ['command']);
    const id = (await t.api('POST', '/api/alerts', command, { category: 'gambling', ...SCENE })).body.id as number;
    await waitFor('offer', () => chen.offers.length === 1);
    const wrong = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'accept', reason: 'busy' });
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid request body: reason: only a decline takes a reason' } });
    const unknown = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'decline', reason: 'lunch' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/^invalid request body: reason: /);

    const declined = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'decline', reason: 'too_far' });
    expect(declined.status).toBe(200);
    expect(mine(declined.body, 'chen')).toMatchObject({ answer: 'decline', declineReason: 'too_far' });
    expect((await t.api('GET', `/api/alerts/${id}`, command)).body.dispatch[0]).toMatchObject({ officer: 'chen', declineReason: 'too_far' });
  });
});
