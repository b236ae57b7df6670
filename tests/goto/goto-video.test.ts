/**
 * An officer sees the video of the drone sent over the incident they hold, and only while it
 * serves it: refused before the drone is sent, let in once it is, refused to another officer,
 * and cut off (close code 4403) when the pilot brings it home. Real service, simulated ArduCopter
 * (4× time), real H.264 from ffmpeg as the drone's camera, real sockets.
 */
import { afterEach, expect, it } from 'vitest';
import { VIDEO_CLOSE } from '../../server/wire/types.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { officerPhone } from '../helpers/officers.ts';
import { videoClient } from '../helpers/video-client.ts';
import { ClipSource, encodeClip } from '../helpers/video-feed.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig } from '../patrols/rig.ts';

type Rig = Awaited<ReturnType<typeof patrolRig>>;
let rig: Rig | undefined;
let camera: ClipSource | undefined;
afterEach(async () => {
  await camera?.close();
  await rig?.close();
  rig = undefined;
});

describeWithFfmpeg('video of the drone over an incident', () => {
  it('an officer watches the drone over their incident while it serves it, and no other officer does', async () => {
    rig = await patrolRig({ goto: { transitAltM: 30 }, dispatch: { waveSize: 1 } });
    const r = rig;
    camera = new ClipSource(encodeClip({ seconds: 2, gop: 10 }), r.vid);
    r.t.svc.video.attach(r.vid, camera);
    camera.start();
    const wang = await officerPhone(r.t, 'wang', 150);
    const li = await officerPhone(r.t, 'li', 3000);
    const room = await r.t.user('room', ['command']);
    const incident = await r.t.api('POST', '/api/alerts', room, { lat: 28.37 + 150 / 111_320, lon: 121.38, category: 'fight', priority: 1, note: '' });
    const alertId = incident.body.id as number;
    await waitFor('the offer to wang', () => wang.offers.some((a) => a.id === alertId), 10_000);
    expect((await r.t.api('POST', `/api/alerts/${alertId}/answer`, wang.token, { answer: 'accept' })).status).toBe(200);

    // The job alone is not enough: no drone serves it yet.
    expect((await videoClient(r.t.base, r.vid, { token: wang.token })).refused).toMatchObject({ status: 403 });

    expect((await r.take()).status).toBe(200);
    await r.ready();
    const sent = await r.t.api('POST', `/api/vehicles/${r.vid}/goto`, r.pilot, { lat: 28.37 + 150 / 111_320, lon: 121.38, alertId, confirm: true });
    expect(sent.status).toBe(201);

    const watching = await videoClient(r.t.base, r.vid, { token: wang.token });
    expect(watching.refused).toBeNull();
    await waitFor("pictures on wang's phone", () => watching.fragments().length >= 5, 10_000);
    const other = await videoClient(r.t.base, r.vid, { token: li.token });
    expect(other.refused).toMatchObject({ status: 403 });
    other.close();

    // Brought home: the drone no longer serves the incident, and the officer's video ends.
    const home = await r.t.api('POST', `/api/vehicles/${r.vid}/goto/return`, r.pilot, { confirm: true });
    expect(home.status).toBe(200);
    expect(await watching.closed).toEqual({ code: VIDEO_CLOSE.forbidden, reason: `drone ${r.vid} no longer serves your incident` });
    expect((await videoClient(r.t.base, r.vid, { token: wang.token })).refused).toMatchObject({ status: 403 });
  }, 150_000);
});
