/**
 * A drone's live video across a city (实时回传情指中心): two real SkyBeat processes on this machine's
 * PostgreSQL and Redis — station hf with a simulated drone whose camera is real H.264 sent over
 * RTP/UDP by the test (its configured source), and the centre with no drone and no camera. A page's
 * video socket on the centre gets hf's fragmented MP4 (the same bytes hf's own page gets), refusals
 * come from the centre's checks or hf's own (passed back as they came), one watch is audited once,
 * and killing hf ends the centre's stream with a close the page can tell apart.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../server/store/users.ts';
import { VIDEO_CLOSE, type VideoFeedView } from '../../server/wire/types.ts';
import { type City, citySkipReason, type Session, startCity } from '../helpers/cluster.ts';
import { FFMPEG } from '../helpers/ffmpeg.ts';
import { REDIS_URL } from '../helpers/redis-server.ts';
import { freeUdpPorts, RtpClipSender } from '../helpers/rtp-feed.ts';
import { fragmentInfo, isInitSegment, mp4Boxes, videoClient } from '../helpers/video-client.ts';
import { encodeClip } from '../helpers/video-feed.ts';
import { waitFor } from '../helpers/wait.ts';

const skip = citySkipReason || (FFMPEG ? '' : '(skipped: needs the optional @ffmpeg-installer/ffmpeg, absent here)');

const DRONE = 'sim-hf-1';
/** hf's second drone: no camera configured */
const BLIND = 'sim-hf-2';

type Client = Awaited<ReturnType<typeof videoClient>>;
/** When each fragment (by its decode time) reached this client, on this process's one clock. */
function arrivals(c: Client): Map<number, { at: number; bytes: Buffer }> {
  const seen = new Map<number, { at: number; bytes: Buffer }>();
  c.ws.on('message', (data: Buffer, binary) => {
    if (binary && !isInitSegment(data)) seen.set(fragmentInfo(data).time, { at: performance.now(), bytes: data });
  });
  return seen;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

describe.skipIf(skip !== '')(`live video across a city: hf's camera watched on the centre ${skip}`, () => {
  let city: City;
  let admin: Session;
  let camera: RtpClipSender;
  const clients: Client[] = [];
  const watch = async (node: string, session?: Session, vehicleId = DRONE) => {
    const c = await videoClient(city.node(node).url, vehicleId, { token: session?.token, origin: city.node(node).url });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const [port] = await freeUdpPorts(1);
    camera = new RtpClipSender(encodeClip({ seconds: 2, gop: 10 }), port!);
    camera.start();
    city = await startCity({
      nodes: [
        {
          name: 'hf',
          sim: 2,
          config: {
            station: { id: 'hf' },
            video: { simCameraPort: null, recordings: { enabled: false }, sources: { [DRONE]: `rtp://127.0.0.1:${port}` } },
          },
        },
        { name: 'centre', config: { station: { id: 'centre' } } },
      ],
      redis: REDIS_URL,
    });
    admin = await city.login('centre');
    // The centre knows hf's drones, and where hf is reached (its snapshot), once it lists hf's camera.
    await waitFor("the centre listing hf's camera, live", async () => {
      const r = await city.api('centre', 'GET', '/api/video', admin);
      return (r.body as VideoFeedView[]).find((f) => f.vehicleId === DRONE && f.state === 'live');
    }, 60_000);
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    camera?.close();
    await city?.close();
  });

  const user = async (name: string, roles: Role[], scope = 'city'): Promise<Session> => {
    const r = await city.api('centre', 'POST', '/api/users', admin, { name, password: `${name}-password`, roles, scope });
    if (r.status !== 201) throw new Error(`adding ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return city.login('centre', name, `${name}-password`);
  };

  it("lists hf's camera on the centre (asked of hf with the user's session), and only to whom hf would list it", { timeout: 30_000 }, async () => {
    const all = (await city.api('centre', 'GET', '/api/video', admin)).body as VideoFeedView[];
    expect(all.map((f) => f.vehicleId)).toEqual([DRONE]); // hf's second drone has no camera; the centre none
    expect(all[0]).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    const centreOnly = await user('room-centre', ['command'], 'centre');
    expect((await city.api('centre', 'GET', '/api/video', centreOnly)).body).toEqual([]);
    const officer = await user('officer-li', ['officer']);
    expect((await city.api('centre', 'GET', '/api/video', officer)).body).toEqual([]);
  });

  it("gives a page on the centre hf's fMP4, the same bytes as hf's own page, audited once at hf", { timeout: 60_000 }, async () => {
    const room = await user('room-city', ['command']);
    // Both at once, read on this process's one clock: what the relay across adds is the difference.
    const [direct, across] = await Promise.all([watch('hf', room), watch('centre', room)]);
    expect(direct.refused).toBeNull();
    expect(across.refused).toBeNull();
    const [atHf, atCentre] = [arrivals(direct), arrivals(across)];
    await waitFor('50 pictures through the centre', () => across.fragments().length >= 50, 30_000);

    const [feed, init] = across.texts();
    expect(feed).toMatchObject({ type: 'feed', feed: { vehicleId: DRONE, state: 'live', codec: 'h264' } });
    expect(init).toMatchObject({ type: 'init', codec: 'h264', width: 320, height: 240 });
    const bins = across.got.flatMap((g) => ('bin' in g ? [g.bin] : []));
    expect(mp4Boxes(bins[0]!)).toEqual(['ftyp', 'moov']);
    for (const f of bins.slice(1)) expect(mp4Boxes(f)).toEqual(['moof', 'mdat']);
    expect(across.fragments()[0]!.key).toBe(true);

    // One stream, relayed unchanged: every picture both saw is byte for byte the same.
    const common = [...atCentre.keys()].filter((t) => atHf.has(t));
    expect(common.length).toBeGreaterThanOrEqual(40);
    for (const t of common) expect(atCentre.get(t)!.bytes.equals(atHf.get(t)!.bytes)).toBe(true);
    const added = common.map((t) => atCentre.get(t)!.at - atHf.get(t)!.at).sort((a, b) => a - b);
    console.log(
      `fragment through the centre vs straight from hf, ${added.length} pictures: ` +
        `p50 ${quantile(added, 0.5).toFixed(2)} ms, p95 ${quantile(added, 0.95).toFixed(2)} ms, max ${added.at(-1)!.toFixed(2)} ms`,
    );

    // Audited once, where it is relayed: two watches (hf's page, the centre's), not three.
    // (the audit is written through the node's journal: a moment after)
    const audit = await waitFor('both watches in the audit', async () => {
      const rows = (await city.api('centre', 'GET', '/api/audit?user=room-city&action=video.watch', admin)).body as { target: string }[];
      return rows.length >= 2 ? rows : undefined;
    });
    expect(audit.map((e) => e.target)).toEqual([DRONE, DRONE]);
    direct.close();
    across.close();
  });

  it("refuses at the centre what the centre's checks refuse, and passes hf's own refusal back as it came", { timeout: 30_000 }, async () => {
    // no session: the centre's own 401
    expect((await watch('centre')).refused).toMatchObject({ status: 401 });
    // a station's people of another station: the centre's own 403, saying whose drone it is
    const other = await watch('centre', await user('room-centre-2', ['command'], 'centre'));
    expect(other.refused).toMatchObject({ status: 403 });
    expect(JSON.parse(other.refused!.body)).toEqual({ error: `${DRONE} belongs to station hf; room-centre-2 works for station centre` });
    // an officer: the incident is known where the drone flies, so hf decides, and its word comes back
    const officer = await watch('centre', await user('officer-wang', ['officer']));
    expect(officer.refused).toMatchObject({ status: 403 });
    expect(JSON.parse(officer.refused!.body).error).toBe(`forbidden: an officer sees only the drone sent over the incident they hold, and ${DRONE} is not`);
    // refused at hf alone: one row (each node counts its refusals in rows of its own)
    const audit = await waitFor('the officer refused in the audit', async () => {
      const rows = (await city.api('centre', 'GET', '/api/audit?user=officer-wang&action=access.denied', admin)).body as { target: string; result: string }[];
      return rows.length ? rows : undefined;
    });
    expect(audit.map((e) => [e.target, e.result])).toEqual([[`video ${DRONE}`, '403']]);
    // a drone of hf without a camera: hf's 404
    const blind = await watch('centre', admin, BLIND);
    expect(blind.refused).toMatchObject({ status: 404 });
    expect(JSON.parse(blind.refused!.body).error).toBe(`drone ${BLIND} has no camera configured`);
    // a foreign page: refused at the centre before anything goes to hf
    const foreign = await videoClient(city.node('centre').url, DRONE, { token: admin.token, origin: 'http://evil.example:8080' });
    clients.push(foreign);
    expect(foreign.refused).toMatchObject({ status: 403 });
  });

  it('ends the stream on the centre with its session: logged out there, the page gets the session close', { timeout: 30_000 }, async () => {
    const room = await user('room-logout', ['command']);
    const c = await watch('centre', room);
    expect(c.refused).toBeNull();
    await waitFor('pictures through the centre', () => c.fragments().length >= 5, 10_000);
    expect((await city.api('centre', 'POST', '/api/logout', room)).status).toBe(200);
    expect(await c.closed).toEqual({ code: VIDEO_CLOSE.sessionEnded, reason: 'logged out' });
  });

  it('ends the stream on the centre when hf is killed, with the close that says its node went away', { timeout: 60_000 }, async () => {
    const c = await watch('centre', admin);
    expect(c.refused).toBeNull();
    await waitFor('pictures through the centre', () => c.fragments().length >= 5, 10_000);
    await city.node('hf').kill9();
    expect(await c.closed).toEqual({ code: VIDEO_CLOSE.nodeGone, reason: 'node hf, which serves this drone, went away' });
    // asked again at once (the page retries): hf does not answer, and the page is told so
    const again = await watch('centre', admin);
    expect(again.refused?.status).toBe(502);
    // …and the list says it could not ask hf (until hf is silent long enough to be taken as down)
    const list = await city.api('centre', 'GET', '/api/video', admin);
    expect([list.body, list.headers.get('x-skybeat-cameras-unanswered')]).toEqual([[], 'hf']);
    expect(JSON.parse(again.refused!.body).error).toMatch(
      /^drone sim-hf-1 is served by node hf, which does not answer at http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED/,
    );
  });
});
