/**
 * No drone for an incident that has ended: the command room cannot request one for a resolved or
 * closed incident, a pilot cannot send one to it (its check says why), and a request still open
 * when its incident closes is withdrawn, so no pilot answers it. Real service, simulated
 * ArduCopter, real sockets. (Found by a hostile review: a closed incident took a new request.)
 */

import { afterEach, expect, it } from 'vitest';
import type { DroneRequestView, PreflightItem } from '../../server/wire/types.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig } from '../patrols/rig.ts';

type Rig = Awaited<ReturnType<typeof patrolRig>>;
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const SCENE = { lat: 28.37 + 150 / 111_320, lon: 121.38 };

it('refuses a drone for an incident that is over, and withdraws the open request when it closes', async () => {
  rig = await patrolRig({ goto: { transitAltM: 30 } });
  const r = rig;
  const room = await r.t.user('room', ['command']);
  const raise = async () => {
    const a = await r.t.api('POST', '/api/alerts', room, { ...SCENE, category: 'fight', priority: 1, note: '' });
    expect(a.status).toBe(201);
    return a.body as { id: number; number: string };
  };
  const close = async (id: number) => expect((await r.t.api('POST', `/api/alerts/${id}/close`, room, { outcome: 'unfounded', note: '' })).status).toBe(200);

  // A closed incident takes no request, named by its number.
  const closed = await raise();
  await close(closed.id);
  const refused = await r.t.api('POST', `/api/alerts/${closed.id}/drone-request`, room, { note: '' });
  expect(refused.status).toBe(409);
  expect(refused.body.said).toEqual({ code: 'drone_request_incident_over', params: { id: closed.number } });

  // Nor does a pilot send a drone to it: the check fails, and the goto is refused before anything flies.
  expect((await r.take()).status).toBe(200);
  await r.ready();
  const checks = await r.t.api('GET', `/api/vehicles/${r.vid}/goto/checks?lat=${SCENE.lat}&lon=${SCENE.lon}&alertId=${closed.id}`, r.pilot);
  expect(checks.status).toBe(200);
  const incidentCheck = (checks.body as PreflightItem[]).find((c) => c.id === 'incident');
  expect(incidentCheck).toMatchObject({ pass: false, said: { code: 'check_goto_incident_over', params: { id: closed.number } } });
  const sent = await r.t.api('POST', `/api/vehicles/${r.vid}/goto`, r.pilot, { ...SCENE, alertId: closed.id, confirm: true });
  expect(sent.status).toBe(409);
  expect(sent.body.said).toEqual({ code: 'goto_incident_over', params: { id: closed.number } });
  expect(r.t.svc.fleet.get(r.vid)!.armed).toBe(false);

  // An open request is withdrawn when its incident closes; the pilots' list is told.
  const live = await raise();
  const lists: DroneRequestView[][] = [];
  r.t.socket(r.pilot).on('drone-requests', (l) => lists.push(l));
  const asked = await r.t.api('POST', `/api/alerts/${live.id}/drone-request`, room, { note: 'fight by the stalls' });
  expect(asked.status).toBe(201);
  await waitFor('the request listed', () => lists.at(-1)?.some((q) => q.id === asked.body.id) ?? false);
  await close(live.id);
  await waitFor('the request withdrawn from the list', () => lists.at(-1)?.every((q) => q.id !== asked.body.id) ?? false);
  const accept = await r.t.api('POST', `/api/drone-requests/${asked.body.id}/accept`, r.pilot, { vehicleId: r.vid, confirm: true });
  expect(accept.status).toBe(409);
  expect(accept.body.said).toMatchObject({ code: 'drone_request_closed' });
  const entry = (await r.t.svc.store.audit.query({ action: 'goto.request_cancel' })).find((e) => e.target === `alert:${live.id}`);
  expect(entry).toMatchObject({ user: null, result: 'ok', detail: { requestId: asked.body.id } });
});
