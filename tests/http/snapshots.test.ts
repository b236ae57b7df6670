/**
 * Stills from a drone's video kept as evidence (POST /api/snapshots, image/jpeg): stored with the
 * drone, the moment and where the drone was (its telemetry), attached to an incident and listed
 * there, the very bytes served back, audited, kept across a restart; a body that is no JPEG, a time
 * more than 30 s ago or in the future, an unknown incident, a 21st still in a minute are refused
 * saying so; an officer files and reads only their own incident's. Real service with a simulated
 * ArduCopter, a JPEG made by ffmpeg, a real database file.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SnapshotView } from '../../server/wire/types.ts';
import { describeWithFfmpeg, FFMPEG } from '../helpers/ffmpeg.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

type T = Awaited<ReturnType<typeof testService>>;

describeWithFfmpeg('video stills as evidence', () => {
  let t: T;
  let jpeg: Buffer;
  let room: string;
  let officer: string;
  let alertId: number;
  const still = (token: string, query: string, body: Buffer | string = jpeg, type = 'image/jpeg') =>
    fetch(`${t.base}/api/snapshots?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });

  beforeAll(async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-still-')), 'still.jpg');
    execFileSync(FFMPEG!, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360', '-frames:v', '1', file]);
    jpeg = fs.readFileSync(file);
    t = await testService({ sim: 1, simOptions: { bootDelayS: 1, demo: false, seed: 3 } });
    await waitFor('the drone has a position', () => t.svc.fleet.get('sim-1')?.position, 30_000);
    room = await t.user('room', ['command']);
    officer = await t.user('zhao', ['officer']);
    alertId = (await t.api('POST', '/api/alerts', room, { lat: 28.371, lon: 121.38, category: 'fight', priority: 1, note: '' })).body.id;
  });
  afterAll(() => t?.close());

  it('stores the still with the drone, the moment and where the drone was; attached to an incident, listed there, the same bytes back', async () => {
    const takenAt = Date.now() - 500;
    const res = await still(room, `vehicleId=sim-1&takenAt=${takenAt}`);
    expect(res.status).toBe(201);
    const s = (await res.json()) as SnapshotView;
    const drone = t.svc.fleet.get('sim-1')!;
    expect(s).toMatchObject({ vehicleId: 'sim-1', takenAt, takenBy: 'room', width: 640, height: 360, alertId: null, imageUrl: `/api/snapshots/${s.id}/image` });
    expect(s.lat).toBeCloseTo(drone.position!.lat, 4);
    expect(s.lon).toBeCloseTo(drone.position!.lon, 4);

    const attached = await t.api('POST', `/api/snapshots/${s.id}/attach`, room, { alertId });
    expect(attached).toMatchObject({ status: 200, body: { id: s.id, alertId } });
    expect((await t.api('GET', `/api/snapshots?alertId=${alertId}`, room)).body).toEqual([{ ...s, alertId }]);
    const image = await fetch(`${t.base}${s.imageUrl}`, { headers: { authorization: `Bearer ${room}` } });
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await image.arrayBuffer()).equals(jpeg)).toBe(true);

    const audit = (await t.api('GET', '/api/audit?action=video.snapshot', await t.login('admin', ADMIN_PASSWORD))).body as Array<
      { user: string; target: string }
    >;
    expect(audit.some((e) => e.user === 'room' && e.target === 'sim-1')).toBe(true);
  });

  it('refuses what is not a still of a drone, saying what was wrong', async () => {
    const said = async (r: Response) => ({ status: r.status, error: ((await r.json()) as { error: string }).error });
    expect(await said(await still(room, `vehicleId=sim-1&takenAt=${Date.now()}`, Buffer.from('GIF89a not a jpeg')))).toEqual({
      status: 400,
      error: 'the request body: not a JPEG picture (it does not start with the JPEG marker FF D8)',
    });
    expect(await said(await still(room, `vehicleId=sim-1&takenAt=${Date.now()}`, jpeg.subarray(0, 20)))).toMatchObject({
      status: 400,
      error: /no frame header/,
    });
    expect(await said(await still(room, `vehicleId=sim-1&takenAt=${Date.now()}`, '{}', 'application/json'))).toMatchObject({
      status: 400,
      error: /must be the still as a JPEG picture/,
    });
    expect(await said(await still(room, `vehicleId=sim-1&takenAt=${Date.now() + 3600_000}`))).toMatchObject({
      status: 400,
      error: /^takenAt lies in the future/,
    });
    expect(await said(await still(room, `vehicleId=a%20b&takenAt=${Date.now()}`))).toMatchObject({ status: 400, error: /vehicleId/ });
    expect(await said(await still(room, `vehicleId=sim-1&takenAt=${Date.now()}&alertId=9999`))).toEqual({ status: 404, error: 'no ground alert 9999' });
  });

  it('a still is dated close to now (30 s back, 5 s ahead): it is stored with where the drone is now, so a backdated one is refused naming takenAt', async () => {
    const said = async (r: Response) => ({ status: r.status, error: ((await r.json()) as { error: string }).error });
    // Before: any time in the past (and up to a minute ahead) was taken, with today's position.
    expect(await said(await still(room, `vehicleId=sim-1&takenAt=${Date.now() - 3600_000}`))).toMatchObject({
      status: 400,
      error: /^takenAt is more than 30 s ago \(the service's clock: \d{4}-\d\d-\d\dT[\d:.]+Z\): a still is filed when it is taken/,
    });
    expect(await said(await still(room, `vehicleId=sim-1&takenAt=${Date.now() + 20_000}`))).toMatchObject({
      status: 400,
      error: /^takenAt lies in the future/,
    });
    expect((await still(room, `vehicleId=sim-1&takenAt=${Date.now() - 10_000}`)).status).toBe(201);
  });

  it('a user files at most 20 stills a minute: the 21st is refused with 429, audited; others are not held back', async () => {
    const burst = await t.user('burst', ['command']);
    for (let i = 0; i < 20; i++) expect((await still(burst, `vehicleId=sim-1&takenAt=${Date.now()}`)).status).toBe(201);
    const refused = await still(burst, `vehicleId=sim-1&takenAt=${Date.now()}`);
    expect(refused.status).toBe(429);
    // said as a code too, so the page says it in its language
    expect(await refused.json()).toEqual({
      error: 'too many stills: at most 20 a minute for each user; burst has taken that many, wait a minute',
      said: { code: 'still_too_many', params: { max: 20, user: 'burst' } },
    });
    expect((await still(room, `vehicleId=sim-1&takenAt=${Date.now()}`)).status).toBe(201);
    const audit = (await t.api('GET', '/api/audit?action=video.snapshot', await t.login('admin', ADMIN_PASSWORD))).body as Array<
      { user: string; result: string }
    >;
    expect(audit.filter((e) => e.user === 'burst').map((e) => e.result).sort()).toEqual([...Array(20).fill('ok'), 'refused']);
  });

  it("an officer takes no still of a drone that is not over their incident, and reads no other incident's evidence", async () => {
    const r = await still(officer, `vehicleId=sim-1&takenAt=${Date.now()}`);
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toMatch(/you may not watch sim-1's video/);
    const list = await t.api('GET', `/api/snapshots?alertId=${alertId}`, officer);
    expect(list.status).toBe(403);
    const [first] = (await t.api('GET', `/api/snapshots?alertId=${alertId}`, room)).body as SnapshotView[];
    expect((await t.api('GET', first!.imageUrl, officer)).status).toBe(403);
  });

  it('the evidence outlives a restart of the service', async () => {
    const before = (await t.api('GET', `/api/snapshots?alertId=${alertId}`, room)).body as SnapshotView[];
    const dataDir = t.dataDir;
    await t.close();
    t = await testService({ dataDir });
    room = await t.login('room', 'room-password');
    expect((await t.api('GET', `/api/snapshots?alertId=${alertId}`, room)).body).toEqual(before);
  });
});
