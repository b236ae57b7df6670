/**
 * The officer holding an incident's job is told of the drone sent over it (socket `job:drone`):
 * where it stands and whether it is overhead, nothing of who flies it or its checks; another
 * officer hears nothing of it, and no officer gets the fleet's `gotos`. Real service, simulated
 * ArduCopter (4× time), real sockets.
 */

import { afterEach, expect, it } from 'vitest';
import type { GotoView, JobDroneView } from '../../server/wire/types.ts';
import { officerPhone } from '../helpers/officers.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig } from '../patrols/rig.ts';

type Rig = Awaited<ReturnType<typeof patrolRig>>;
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it('tells the officer holding the job that a drone is over the incident, and no one else', async () => {
  rig = await patrolRig({ goto: { transitAltM: 30 }, dispatch: { waveSize: 1 } });
  const r = rig;
  // officers.ts's SCENE (28.37, 121.38) is the simulator's home: the incident is 150 m north of it.
  const wang = await officerPhone(r.t, 'wang', 150);
  const li = await officerPhone(r.t, 'li', 3000);
  const room = await r.t.user('room', ['command']);
  const told: JobDroneView[] = [];
  const liTold: JobDroneView[] = [];
  const officerGotos: GotoView[][] = [];
  wang.socket.on('job:drone', (d) => told.push(d));
  li.socket.on('job:drone', (d) => liTold.push(d));
  wang.socket.on('gotos', (g) => officerGotos.push(g));
  const roomGotos: GotoView[] = [];
  const roomSocket = r.t.socket(room);
  roomSocket.on('gotos', (g) => roomGotos.push(...g));

  const incident = await r.t.api('POST', '/api/alerts', room, { lat: 28.37 + 150 / 111_320, lon: 121.38, category: 'fight', priority: 1, note: '' });
  expect(incident.status).toBe(201);
  const alertId = incident.body.id as number;
  await waitFor('the offer to wang', () => wang.offers.some((a) => a.id === alertId), 10_000);
  expect((await r.t.api('POST', `/api/alerts/${alertId}/answer`, wang.token, { answer: 'accept' })).status).toBe(200);

  expect((await r.take()).status).toBe(200);
  await r.ready();
  const sent = await r.t.api('POST', `/api/vehicles/${r.vid}/goto`, r.pilot, { lat: 28.37 + 150 / 111_320, lon: 121.38, alertId, confirm: true });
  expect(sent.status).toBe(201);

  await waitFor('wang told the drone is overhead', () => told.some((d) => d.overhead), 90_000, 100);
  const over = told.find((d) => d.overhead)!;
  expect(over).toEqual({ alertId, gotoId: sent.body.id, state: 'on_scene', overhead: true, distanceM: expect.any(Number), heldS: expect.any(Number) });
  // Only what the job needs: no pilot, no checks, no events.
  expect(Object.keys(over).sort()).toEqual(['alertId', 'distanceM', 'gotoId', 'heldS', 'overhead', 'state']);
  // A phone that connects now is told at once.
  const again = r.t.socket(wang.token);
  const first = await new Promise<JobDroneView>((resolve) => again.on('job:drone', resolve));
  expect(first).toMatchObject({ alertId, gotoId: sent.body.id });

  await li.synced();
  await wang.synced();
  expect(liTold).toEqual([]);
  expect(officerGotos).toEqual([]);
  expect(roomGotos.some((g) => g.id === sent.body.id && g.overhead)).toBe(true);
}, 150_000);
