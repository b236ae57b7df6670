import { afterAll, beforeAll, expect, it } from 'vitest';
import { RtspVideoSource } from '../../server/video/rtsp-source.ts';
import { pickVideoTrack } from '../../server/video/sdp-track.ts';
import type { AccessUnit, SourceHealth } from '../../server/video/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { describeWithFfmpeg, runFfmpeg } from '../helpers/ffmpeg.ts';
import { liveFeed, startRtspServer, type Feed, type RtspServerOptions } from '../helpers/rtsp-server.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

describeWithFfmpeg('RTSP cameras (rtsp://), against a real RTSP server fed by a live ffmpeg', () => {
  let feed: Feed;
  beforeAll(async () => {
    feed = await liveFeed();
  });
  afterAll(() => feed?.stop());

  async function server(o: RtspServerOptions = {}) {
    const s = await startRtspServer(feed, o);
    cleanup.push(() => s.kill());
    return s;
  }

  function source(uri: string) {
    const clock = fakeClock();
    const src = new RtspVideoSource(uri, { clock: clock.clock });
    cleanup.push(() => src.close());
    const units: AccessUnit[] = [];
    const health: SourceHealth[] = [];
    src.onUnit((u) => units.push(u));
    src.onHealth((h) => health.push(h));
    return { src, units, health, clock };
  }

  it('the test server is real RTSP: ffmpeg’s own RTSP client plays it over TCP', async () => {
    const s = await server();
    await runFfmpeg(['-rtsp_transport', 'tcp', '-i', s.url, '-frames:v', '5', '-f', 'null', '-']);
    expect(s.requests.map((r) => r.method)).toEqual(expect.arrayContaining(['DESCRIBE', 'SETUP', 'PLAY']));
  });

  it('OPTIONS, DESCRIBE, SETUP over TCP interleaved, PLAY: whole pictures, SPS/PPS from the SDP’s sprop-parameter-sets', async () => {
    const s = await server();
    const { src, units } = source(s.url);
    expect(src.health().state).toBe('connecting');
    await waitFor('10 pictures', () => units.length >= 10);
    expect(s.requests.map((r) => r.method).slice(0, 4)).toEqual(['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY']);
    const setup = s.requests.find((r) => r.method === 'SETUP')!;
    expect(setup.uri).toBe(`${s.url}/trackID=0`);
    expect(setup.headers.transport).toBe('RTP/AVP/TCP;unicast;interleaved=0-1');
    expect(src.parameterSets()).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(units[0]!.key).toBe(true);
    expect(units[0]!.nals.some((n) => (n[0]! & 0x1f) === 7)).toBe(false); // none in band: the SDP's were used
    expect(src.health()).toMatchObject({ state: 'live', badPackets: 0, lostPackets: 0, restarts: 0 });
  });

  it('RTP right behind the PLAY answer (a relay’s cached key picture) is taken: the first picture is that one', async () => {
    const s = await server({ gopCache: true });
    await waitFor('a key picture cached', () => s.hasKey(), 10_000);
    const { units } = source(s.url);
    await waitFor('pictures', () => units.length >= 3);
    expect(s.sentKeys).toHaveLength(1);
    expect(units[0]!.key).toBe(true);
    expect(units[0]!.pts90k).toBe(s.sentKeys[0]);
  });

  it.each([
    ['Basic', { scheme: 'basic' as const }],
    ['Digest (RFC 2069, no qop)', { scheme: 'digest' as const }],
    ['Digest with qop=auth', { scheme: 'digest' as const, qop: true }],
  ])('%s authentication; the password never shown', async (_name, auth) => {
    const s = await server({ auth: { ...auth, user: 'pilot', password: 'p:ss word' } });
    const { src, units } = source(s.url.replace('rtsp://', 'rtsp://pilot:p%3Ass%20word@'));
    await waitFor('pictures', () => units.length >= 3);
    expect(src.uri).toBe(s.url.replace('rtsp://', 'rtsp://pilot:***@'));
    const describes = s.requests.filter((r) => r.method === 'DESCRIBE');
    expect(describes[0]!.headers.authorization).toBeUndefined();
    expect(describes[1]!.headers.authorization).toMatch(auth.scheme === 'basic' ? /^Basic / : /^Digest /);
    // once challenged, every later request carries it
    expect(s.requests.filter((r) => r.method === 'PLAY')[0]!.headers.authorization).toBeDefined();
    expect(JSON.stringify(s.requests)).not.toContain('p:ss word');
  });

  it('a wrong password is said plainly, and tried again later', async () => {
    const s = await server({ auth: { scheme: 'digest', user: 'pilot', password: 'right' } });
    const { src, clock } = source(s.url.replace('rtsp://', 'rtsp://pilot:wrong@'));
    await waitFor('the refusal', () => /refused the user name or password/.test(src.health().reason ?? ''));
    expect(src.health().reason).toMatch(/connecting again in 1 s$/);
    await clock.advance(1000);
    await waitFor('the second refusal', () => /again in 2 s$/.test(src.health().reason ?? ''));
  });

  it('keeps the session alive with GET_PARAMETER at half the server’s session timeout (fake clock)', async () => {
    const s = await server({ timeoutS: 8 });
    const { units, clock } = source(s.url);
    await waitFor('pictures', () => units.length >= 3);
    await clock.advance(3999);
    expect(s.requests.filter((r) => r.method === 'GET_PARAMETER')).toHaveLength(0);
    await clock.advance(1);
    await waitFor('a keepalive', () => s.requests.some((r) => r.method === 'GET_PARAMETER'));
    expect(s.requests.find((r) => r.method === 'GET_PARAMETER')!.headers.session).toBeDefined();
  });

  it('a camera that goes away: stale with the reason, retried with growing waits, live again when it is back', async () => {
    const first = await server();
    const port = first.port;
    const { src, units, health, clock } = source(first.url);
    await waitFor('pictures', () => units.length >= 5);
    await first.kill();
    // stale at once, with the reason (the connection's end says the pictures stopped)
    await waitFor('the loss noticed', () => src.health().state === 'stale');
    expect(health.at(-1)).toMatchObject({ state: 'stale', reason: 'the camera closed the connection; connecting again in 1 s' });
    await clock.advance(1000); // the retry finds nobody
    await waitFor(
      'the refused retry',
      () => /^nothing answers at 127.0.0.1:\d+ \(connection refused\); connecting again in 2 s$/.test(src.health().reason ?? ''),
    );
    expect(src.health().state).toBe('stale');
    // the camera is back on the same port
    const again = await startRtspServer(feed, { port });
    cleanup.push(() => again.kill());
    const before = units.length;
    await clock.advance(2000);
    await waitFor('pictures again', () => units.length >= before + 5);
    expect(src.health()).toMatchObject({ state: 'live', restarts: 2 });
    expect(units[before]!.key).toBe(true);
  });
});

it('picks the H.264/H.265 track of an SDP and resolves its control URL', () => {
  const sdp = (media: string) => ['v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's=x', 't=0 0', media, ''].join('\r\n');
  expect(
    pickVideoTrack(
      sdp('m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0IA,aM4=\r\na=control:track1'),
      'rtsp://cam/main',
    ),
  )
    .toEqual({ codec: 'h264', payloadType: 96, control: 'rtsp://cam/main/track1', aggregate: 'rtsp://cam/main', sprop: ['Z0IA,aM4='], donl: false });
  expect(
    pickVideoTrack(
      sdp('m=video 0 RTP/AVP 98\r\na=rtpmap:98 H265/90000\r\na=fmtp:98 sprop-vps=QAE=;sprop-sps=QgE=;sprop-pps=RAE=\r\na=control:rtsp://cam/other/v'),
      'rtsp://cam/main/',
    ),
  )
    .toMatchObject({ codec: 'h265', payloadType: 98, control: 'rtsp://cam/other/v', sprop: ['QAE=', 'QgE=', 'RAE='] });
  expect(pickVideoTrack(sdp('m=video 0 RTP/AVP 26\r\na=rtpmap:26 JPEG/90000'), 'rtsp://cam/')).toBe(
    'the camera offers video as JPEG: only H.264 and H.265 are played',
  );
  expect(pickVideoTrack(sdp('m=audio 0 RTP/AVP 0'), 'rtsp://cam/')).toBe('the camera offers no video track');
});
