/**
 * A patrol and a drone-to-the-scene flown by the simulated ArduCopter with its real camera (H.264
 * over RTP/UDP, announced over MAVLink): the service records each run's video beside its record,
 * and serves it back for the replay and as one MP4 to download, to the roles that may see the
 * run's other exports. ffmpeg judges the files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { GotoView, RunVideoView } from '../../server/wire/types.ts';
import { patrolRig } from '../patrols/rig.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { decodeVideo, freeUdpPort } from '../helpers/recording.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();
/** 150 m north of the simulated copter's home */
const SCENE = { lat: 28.37 + 150 / 111_320, lon: 121.38 };

async function download(base: string, url: string, token: string, file: string) {
  const res = await fetch(base + url, { headers: { authorization: `Bearer ${token}` } });
  if (res.ok) fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return res;
}

describeWithFfmpeg('a run’s video, recorded from the simulated drone’s camera', () => {
  it('a patrol and a drone to the scene each record their video; the export plays with the run’s duration; an officer is refused it', async () => {
    const port = await freeUdpPort();
    const rig = await patrolRig({
      simOptions: { bootDelayS: 4, speedup: 4, demo: false, seed: 11, camera: { basePort: port, width: 320, height: 180 } },
      goto: { transitAltM: 30 },
    });
    cleanup.push(() => rig.close());
    const { t } = rig;
    const room = await t.user('room', ['command']);
    const officer = await t.user('chen', ['officer']);
    await waitFor('the camera live', () => t.svc.videoSources.list()[0]?.health?.state === 'live', 30_000);
    // Flying nothing: nothing recorded.
    expect((await t.svc.store.recordings.finished()).length + (await t.svc.store.recordings.unfinished()).length).toBe(0);

    await rig.take();
    await rig.ready();
    const id = (await rig.launch()).body.id as number;
    await rig.until(id, 'flying', (r) => r.state === 'flying');
    // A run under way: its file is being written, and the replay lists it already. A file starts at
    // a key picture (one every 2 s at most from the camera), which may come just after 'flying'.
    const during = await waitFor("the run's file opened at a key picture", async () => {
      const v = (await t.api('GET', `/api/runs/${id}/video`, room)).body as RunVideoView;
      return v.segments.length > 0 && v;
    }, 5_000);
    expect(during.segments).toEqual([expect.objectContaining({ writing: true, codec: 'h264', width: 320, height: 180 })]);
    const run = await rig.until(id, 'landed', (r) => r.state === 'landed', 150_000);
    // stopped with the run (the index follows the files a moment behind)
    await waitFor('its file closed in the index', async () => (await t.svc.store.recordings.unfinished()).length === 0, 5000);

    const video = (await t.api('GET', `/api/runs/${id}/video`, room)).body as RunVideoView;
    expect(video.vehicleId).toBe('sim-1');
    const segs = video.segments;
    expect(segs.length).toBeGreaterThan(0);
    // from the first key picture after the launch (one a second) to the landing
    expect(segs[0]!.startedAt - run.startedAt).toBeGreaterThanOrEqual(0);
    expect(segs[0]!.startedAt - run.startedAt).toBeLessThan(2000);
    expect(Math.abs(segs.at(-1)!.endedAt - run.endedAt!)).toBeLessThan(1000);
    const recordedS = segs.reduce((s, x) => s + (x.endedAt - x.startedAt), 0) / 1000;
    expect(recordedS).toBeGreaterThan((run.endedAt! - run.startedAt) / 1000 - 3);

    // A file for the replay's player, with ranges.
    const part = await fetch(`${t.base}/api/recordings/${segs[0]!.id}.mp4`, { headers: { authorization: `Bearer ${room}`, range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await part.arrayBuffer()).toString('latin1', 4, 8)).toBe('ftyp');
    // Refused with a message the pages say in their language (its English beside it for the API)
    for (const [url, code] of [['/api/recordings/999999.mp4', 'recording_file_unknown'], ['/api/gotos/999999/video.mp4', 'goto_record_unknown']]) {
      const refused = await download(t.base, url!, room, '');
      expect(refused.status).toBe(404);
      expect(await refused.json()).toEqual({ error: expect.stringContaining('999999'), said: { code, params: { id: '999999' } } });
    }

    // The export: an officer is refused, the command room gets one MP4 that plays for the run's recorded time.
    expect((await download(t.base, `/api/runs/${id}/video.mp4`, officer, '')).status).toBe(403);
    expect((await t.api('GET', `/api/runs/${id}/video`, officer)).status).toBe(403);
    const file = path.join(t.dataDir, 'export.mp4');
    const res = await download(t.base, `/api/runs/${id}/video.mp4`, room, file);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename=skybeat-run-${id}-sim-1.mp4`);
    const decoded = decodeVideo(file);
    expect(decoded.errors).toBe('');
    expect(decoded.durationS).toBeCloseTo((segs.at(-1)!.endedAt - segs[0]!.startedAt) / 1000, 0);
    // 25 pictures a second, give or take what the loaded machine's encoder skipped
    expect(decoded.times.length / recordedS).toBeGreaterThan(20);
    expect(decoded.times.length / recordedS).toBeLessThan(26);
    const audit = (await t.api('GET', '/api/audit?action=run.video.export', await t.login('admin', 'admin-test-password'))).body;
    expect(audit).toEqual([expect.objectContaining({ user: 'room', target: `run:${id}`, result: 'ok', detail: { vehicleId: 'sim-1', files: segs.length } })]);

    // Drone to the scene: recorded from its start until it is home (landed and disarmed), past its turn home.
    await rig.ready();
    const sent = await t.api('POST', `/api/vehicles/${rig.vid}/goto`, rig.pilot, { ...SCENE, confirm: true });
    expect(sent.status).toBe(201);
    const gotoId = sent.body.id as number;
    const gotoView = async () => ((await t.api('GET', '/api/gotos', rig.pilot)).body as GotoView[]).find((g) => g.id === gotoId)!;
    await waitFor('overhead', async () => (await gotoView()).overhead, 120_000, 250);
    expect((await t.api('POST', `/api/vehicles/${rig.vid}/goto/return`, rig.pilot, { confirm: true })).body.result).toBe('accepted');
    const ended = await waitFor(
      'returning',
      async () => {
        const g = await gotoView();
        return g.state === 'returning' && g;
      },
      30_000,
      250,
    );
    // still recording on the way home
    await waitFor(
      'a picture recorded after the turn home',
      async () => (await t.svc.store.recordings.unfinished()).some((s) => s.endedAt > ended.endedAt! + 2000),
      20_000,
      100,
    );
    await waitFor('home: landed and disarmed', () => t.svc.fleet.get(rig.vid)?.armed === false, 180_000, 250);
    const homeAt = Date.now();
    await waitFor('its file closed', async () => (await t.svc.store.recordings.unfinished()).length === 0, 5000);
    const gotoFile = path.join(t.dataDir, 'goto.mp4');
    const got = await download(t.base, `/api/gotos/${gotoId}/video.mp4`, room, gotoFile);
    expect(got.status).toBe(200);
    const gotoFiles = await t.svc.store.recordings.during('sim-1', ended.startedAt, homeAt);
    expect(gotoFiles.length).toBeGreaterThan(0);
    expect(gotoFiles[0]!.startedAt).toBeGreaterThanOrEqual(ended.startedAt);
    // the last picture within a moment of the disarm (the recorder stops at the HEARTBEAT saying so)
    expect(gotoFiles.at(-1)!.endedAt).toBeGreaterThan(ended.endedAt! + 2000);
    expect(gotoFiles.at(-1)!.endedAt).toBeLessThanOrEqual(homeAt + 1000);
    expect(homeAt - gotoFiles.at(-1)!.endedAt).toBeLessThan(3000);
    const gotoDecoded = decodeVideo(gotoFile);
    expect(gotoDecoded.errors).toBe('');
    expect(gotoDecoded.durationS).toBeCloseTo((gotoFiles.at(-1)!.endedAt - gotoFiles[0]!.startedAt) / 1000, 0);
    expect((await download(t.base, `/api/gotos/${gotoId}/video.mp4`, officer, '')).status).toBe(403);
  }, 400_000);
});
