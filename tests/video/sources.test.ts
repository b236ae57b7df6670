import dgram from 'node:dgram';
import { expect, it } from 'vitest';
import { playableAnnouncement, VideoSources } from '../../server/video/sources.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

/** `count` consecutive UDP ports free right now on every address (the cameras' ports: base + i). */
async function freePorts(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const sockets = Array.from({ length: count }, () => dgram.createSocket('udp4'));
    const ok = await Promise.all(sockets.map((s, i) =>
      new Promise<boolean>((resolve) => {
        s.once('error', () => resolve(false));
        s.bind(base + i, '0.0.0.0', () => resolve(true));
      })
    ));
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r())).catch(() => {})));
    if (ok.every(Boolean)) return base;
  }
}

describeWithFfmpeg('each drone’s camera found without configuration (MAVLink VIDEO_STREAM_INFORMATION), or configured', () => {
  it('the service asks the simulated ArduCopters, binds the ports they announce and relays their pictures', async () => {
    const base = await freePorts(2);
    const t = await testService({ sim: 2, simOptions: { camera: { basePort: base, width: 320, height: 180 } } });
    cleanup.push(() => t.close());
    const svc = t.svc;
    await waitFor('both drones’ video live', () => svc.videoSources.list().filter((e) => e.health?.state === 'live').length === 2, 30_000);
    expect(svc.videoSources.list()).toEqual([
      expect.objectContaining({ drone: 'sim-1', uri: `rtp://127.0.0.1:${base}`, from: 'announced', announced: `rtp://127.0.0.1:${base}` }),
      expect.objectContaining({ drone: 'sim-2', uri: `rtp://127.0.0.1:${base + 1}`, from: 'announced' }),
    ]);
    expect(svc.videoSources.sourceFor('sim-1')!.parameterSets()).toMatchObject({ width: 320, height: 180 });
    expect(svc.video.has('sim-1')).toBe(true); // handed to the relay for the pages
  });

  it('an admin sets a drone’s camera in the page (kept, audited, password hidden); removing it gives the drone back to its announcement', async () => {
    const base = await freePorts(2);
    const t = await testService({ sim: 1, simOptions: { camera: { basePort: base, width: 320, height: 180 } } });
    cleanup.push(() => t.close());
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const pilot = await t.user('pilot1', ['pilot']);
    await waitFor('announced video live', () => t.svc.videoSources.list()[0]?.health?.state === 'live', 30_000);

    expect((await t.api('PUT', '/api/video-sources/sim-1', pilot, { uri: `rtp://127.0.0.1:${base + 1}` })).status).toBe(403);
    const bad = await t.api('PUT', '/api/video-sources/sim-1', admin, { uri: 'http://camera/stream' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/unknown scheme http:/);

    const set = await t.api('PUT', '/api/video-sources/sim-1', admin, { uri: `rtp://127.0.0.1:${base + 1}` });
    expect(set.status).toBe(200);
    await t.svc.videoSources.settled();
    expect(t.svc.videoSources.list()[0]).toMatchObject({
      drone: 'sim-1',
      uri: `rtp://127.0.0.1:${base + 1}`,
      from: 'configured',
      announced: `rtp://127.0.0.1:${base}`,
    });
    expect(t.svc.videoSources.sourceFor('sim-1')!.uri).toBe(`rtp://127.0.0.1:${base + 1}`);
    expect(await t.svc.store.videoSources.all()).toMatchObject([{ drone: 'sim-1', uri: `rtp://127.0.0.1:${base + 1}`, setBy: 'admin' }]);

    // an RTSP camera's password goes to the database, never back out
    await t.api('PUT', '/api/video-sources/7', admin, { uri: 'rtsp://viewer:s3cret@127.0.0.1:1/live' });
    const listed = await t.api('GET', '/api/video-sources', admin);
    expect(listed.body.configured).toEqual({ 'sim-1': `rtp://127.0.0.1:${base + 1}`, 7: 'rtsp://viewer:***@127.0.0.1:1/live' });
    expect(JSON.stringify(listed.body)).not.toContain('s3cret');
    const audit = (await t.api('GET', '/api/audit?action=video.source.set', admin)).body as { target: string; detail: { uri: string } }[];
    expect(audit.map((a) => a.target).sort()).toEqual(['7', 'sim-1']);
    expect(JSON.stringify(audit)).not.toContain('s3cret');

    const cleared = await t.api('PUT', '/api/video-sources/sim-1', admin, { uri: null });
    expect(cleared.status).toBe(200);
    await waitFor(
      'the announced video again',
      () => t.svc.videoSources.list()[0]?.from === 'announced' && t.svc.videoSources.list()[0]?.health?.state === 'live',
      20_000,
    );
    expect((await t.svc.store.videoSources.all()).map((r) => r.drone)).toEqual(['7']);
  });
});

it('two drones announcing the same UDP port: the second is told why it has no video', async () => {
  const sources = new VideoSources();
  cleanup.push(() => sources.close());
  const base = await freePorts(1);
  const stream = { type: 'rtpudp' as const, uri: String(base), encoding: 'h264' as const, running: true };
  sources.announce({ id: 'l1-1', sysid: 1 }, [stream]);
  await sources.settled();
  sources.announce({ id: 'l1-2', sysid: 2 }, [stream]);
  await sources.settled();
  expect(sources.list()[0]).toMatchObject({ drone: 'l1-1', uri: `rtp://0.0.0.0:${base}`, health: { state: 'connecting' } });
  expect(sources.list()[1]).toMatchObject({
    drone: 'l1-2',
    problem: `UDP port ${base} already carries drone l1-1's video: give each drone its own port (configuration video.sources)`,
  });
  // configured by sysid on any link, it gets its own
  const other = await freePorts(1);
  sources.configure('2', `rtp://127.0.0.1:${other}`);
  await sources.settled();
  expect(sources.list()[1]).toMatchObject({ drone: 'l1-2', uri: `rtp://127.0.0.1:${other}`, from: 'configured' });
  expect(sources.list()[1]!.problem).toBeUndefined();
});

it('reads what drones announce as a URI the station plays, or says why not', () => {
  const s = (
    type: 'rtsp' | 'rtpudp' | 'tcp_mpeg' | 'mpeg_ts',
    uri: string,
    encoding: 'h264' | 'h265' | 'unknown' = 'h264',
  ) => [{ type, uri, encoding, running: true }];
  expect(playableAnnouncement(s('rtpudp', '5600'))).toEqual({ uri: 'rtp://0.0.0.0:5600' }); // the spec's form: the port
  expect(playableAnnouncement(s('rtpudp', '192.168.144.20:5601'))).toEqual({ uri: 'rtp://0.0.0.0:5601' }); // where the drone sends: us
  expect(playableAnnouncement(s('rtpudp', 'udp://0.0.0.0:5602', 'h265'))).toEqual({ uri: 'rtp://0.0.0.0:5602?codec=h265' });
  expect(playableAnnouncement(s('rtsp', 'rtsp://192.168.144.25:8554/main.264'))).toEqual({ uri: 'rtsp://192.168.144.25:8554/main.264' });
  expect(playableAnnouncement(s('tcp_mpeg', 'tcp://10.0.0.2:5000'))).toEqual({
    problem: 'the drone announces tcp_mpeg "tcp://10.0.0.2:5000": only RTSP and RTP/UDP with H.264 or H.265 are played',
  });
  expect(playableAnnouncement([])).toBeNull();
});
