/**
 * A drone's camera follows its link's failover (实时回传情指中心 after a node dies): "hf" and "wl" are
 * both configured with the udpin link hf1 and the same `video.sources` entry for its drone hf1-1 (a
 * camera sending real H.264 over RTP/UDP to one port of this machine, as a drone's video radio does);
 * "centre" has no link and no camera. The drone flies as a process of its own.
 *
 * A page's video socket on the centre plays the camera through the node serving the link; that node
 * is killed with SIGKILL; the page's stream ends with VIDEO_CLOSE.nodeGone; the other node takes the
 * link over (its lease), finds the drone, and opens the camera itself (the port the dead node held is
 * free again); a new video socket on the centre plays again — an init segment, then fragments that
 * ffmpeg decodes — and the centre's GET /api/video lists the camera live again.
 *
 * Real parts: three SkyBeat processes on this machine's PostgreSQL and Redis, the simulator in a
 * process of its own, a camera sending over loopback UDP, WebSocket clients as the page's player.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LinkView, VIDEO_CLOSE, type VideoFeedView } from '../../server/wire/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { type City, citySkipReason, servingNode, type Session, startCity } from '../helpers/cluster.ts';
import { FFMPEG } from '../helpers/ffmpeg.ts';
import { REDIS_URL } from '../helpers/redis-server.ts';
import { freeUdpPorts, RtpClipSender } from '../helpers/rtp-feed.ts';
import { startSimDrones } from '../helpers/sim-drones.ts';
import { isInitSegment, mp4Boxes, videoClient } from '../helpers/video-client.ts';
import { encodeClip } from '../helpers/video-feed.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();
const skip = citySkipReason || (FFMPEG ? '' : '(skipped: needs the optional @ffmpeg-installer/ffmpeg, absent here)');

const DRONE = 'hf1-1';
const [WIDTH, HEIGHT] = [320, 240];

type Client = Awaited<ReturnType<typeof videoClient>>;

/**
 * How many pictures ffmpeg decodes from what a client got, written as one file (the init segment,
 * then every fragment, as a page's MediaSource is fed), and what ffmpeg said if it could not.
 */
function decodedPictures(c: Client): { pictures: number; error: string } {
  const bins = c.got.flatMap((g) => ('bin' in g ? [g.bin] : []));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-failover-video-')), 'stream.mp4');
  try {
    fs.writeFileSync(file, Buffer.concat(bins));
    // -vsync 0: every decoded picture once, none repeated or dropped to a frame rate
    const r = spawnSync(FFMPEG!, ['-hide_banner', '-loglevel', 'error', '-i', file, '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], {
      maxBuffer: 256 << 20,
    });
    return { pictures: r.status === 0 ? r.stdout.length / (WIDTH * HEIGHT) : -1, error: r.stderr.toString() };
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

const cameras = async (city: City, node: string, session: Session) => {
  const r = await city.api(node, 'GET', '/api/video', session);
  if (r.status !== 200) throw new Error(`GET /api/video on ${node}: ${r.status} ${JSON.stringify(r.body)}`);
  return { feeds: r.body as VideoFeedView[], unanswered: r.headers.get('x-skybeat-cameras-unanswered') };
};

describe.skipIf(skip !== '')(`a drone's camera after its link's failover ${skip}`, () => {
  it(
    'the node taking the link over opens the camera, and the centre plays it again (a new socket after the nodeGone close) and lists it live',
    { timeout: 300_000 },
    async () => {
      // Two distinct free ports at once: the link's and the camera's.
      const [linkPort, cameraPort] = await freeUdpPorts(2);
      const camera = new RtpClipSender(encodeClip({ seconds: 2, gop: 10 }), cameraPort!);
      camera.start();
      cleanup.push(() => camera.close());
      const link = { id: 'hf1', uri: `udpin://127.0.0.1:${linkPort}` };
      const video = { simCameraPort: null, recordings: { enabled: false }, sources: { [DRONE]: `rtp://127.0.0.1:${cameraPort}` } };
      const city = await startCity({
        nodes: [
          { name: 'hf', links: [link], config: { video } },
          { name: 'wl', links: [link], config: { video } },
          { name: 'centre' },
        ],
        redis: REDIS_URL,
        exampleRoutes: false,
        cleanup,
      });
      // The drone flies by itself, apart from the nodes: it goes on sending while its node is killed.
      await startSimDrones({ count: 1, link: `udpout://127.0.0.1:${linkPort}`, extraArgs: ['--boot-delay', '1'], cleanup });
      const admin = await city.login('centre');
      const outputs = () => city.nodes.map((n) => `--- ${n.name}\n${n.output()}`).join('\n');

      // The centre lists the camera live, served by one of hf/wl.
      await waitFor(
        `the centre listing ${DRONE}'s camera, live`,
        async () => {
          const { feeds } = await cameras(city, 'centre', admin);
          return feeds.find((f) => f.vehicleId === DRONE && f.state === 'live');
        },
        90_000,
        250,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${outputs()}`);
      });
      const first = servingNode(city, 'hf1');
      expect(first, `one of hf/wl says it serves hf1:\n${outputs()}`).toBeDefined();
      const second = first === 'hf' ? 'wl' : 'hf';
      // Only the serving node has the drone, so only it opened the camera's port.
      expect(city.node(second).output(), `${second} opened ${DRONE}'s camera beside ${first}`).not.toMatch(/video hf1-1: rtp:/);

      // A page on the centre watches it through the serving node.
      const watch = () => videoClient(city.node('centre').url, DRONE, { token: admin.token, origin: city.node('centre').url });
      const before = await watch();
      cleanup.push(() => before.close());
      expect(before.refused).toBeNull();
      await waitFor(`pictures of ${DRONE} through the centre (from ${first})`, () => before.fragments().length >= 10, 30_000);

      // Pull the plug on the node serving the link: the page's stream ends with the close saying its node went away.
      const killAt = Date.now();
      await city.node(first!).kill9();
      expect(await before.closed).toEqual({ code: VIDEO_CLOSE.nodeGone, reason: `node ${first}, which serves this drone, went away` });

      // The other node takes the link over and opens the camera itself.
      await waitFor(
        `${second} serving hf1`,
        async () => {
          const r = await city.api(second, 'GET', '/api/links', admin);
          return (r.body as LinkView[]).some((l) => l.id === 'hf1' && l.state === 'up');
        },
        60_000,
        250,
      );
      const takenAt = Date.now();
      await waitFor(
        `${second} receiving ${DRONE}'s camera itself`,
        async () => {
          const { feeds } = await cameras(city, second, admin);
          return feeds.find((f) => f.vehicleId === DRONE && f.state === 'live');
        },
        60_000,
        250,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- ${second}\n${city.node(second).output()}`);
      });
      const cameraAt = Date.now();

      // The page tries again (as the player does after 4502) until the centre relays from the new node.
      let lastRefusal = '';
      const after = await waitFor(
        `a new video socket on the centre for ${DRONE} taken`,
        async () => {
          const c = await watch();
          if (c.refused === null) return c;
          lastRefusal = `${c.refused.status} ${c.refused.body}`;
          c.close();
          return undefined;
        },
        60_000,
        500,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the last refusal: ${lastRefusal}`);
      });
      cleanup.push(() => after.close());
      await waitFor(`50 pictures of ${DRONE} through the centre (from ${second})`, () => after.fragments().length >= 50, 60_000);
      const playingAt = Date.now();
      console.log(
        `video failover: ${second} served hf1 ${takenAt - killAt} ms after ${first} was killed, received the camera ${cameraAt - killAt} ms after, ` +
          `the centre played it again ${playingAt - killAt} ms after`,
      );

      // A stream from its start: the feed (live), 'init', the init segment, then one fragment per picture, the first a key picture.
      const [feed, init] = after.texts();
      expect(feed).toMatchObject({ type: 'feed', feed: { vehicleId: DRONE, state: 'live', codec: 'h264' } });
      expect(init).toMatchObject({ type: 'init', codec: 'h264', width: WIDTH, height: HEIGHT });
      const bins = after.got.flatMap((g) => ('bin' in g ? [g.bin] : []));
      expect(isInitSegment(bins[0]!)).toBe(true);
      expect(mp4Boxes(bins[0]!)).toEqual(['ftyp', 'moov']);
      for (const f of bins.slice(1)) expect(mp4Boxes(f)).toEqual(['moof', 'mdat']);
      expect(after.fragments()[0]!.key).toBe(true);
      // …and it plays: ffmpeg decodes a picture of each fragment.
      after.close();
      const fragments = after.fragments().length;
      const decoded = decodedPictures(after);
      expect(decoded.error).toBe('');
      expect(decoded.pictures).toBe(fragments);

      // The centre lists the camera live again, once, and (the dead node silent long enough to be taken as down) asks nobody in vain.
      const listed = await waitFor(
        `the centre listing ${DRONE}'s camera live, every node answering`,
        async () => {
          const l = await cameras(city, 'centre', admin);
          return l.unanswered === null && l.feeds.some((f) => f.vehicleId === DRONE && f.state === 'live') && l;
        },
        60_000,
        250,
      );
      expect(listed.feeds.map((f) => f.vehicleId)).toEqual([DRONE]);
      expect(listed.feeds[0]).toMatchObject({ codec: 'h264', width: WIDTH, height: HEIGHT });
    },
  );
});
