/**
 * The relay over real TCP sockets (server/video/relay.ts knows only a channel with a write
 * buffer; here each channel is a loopback TCP connection and its buffer the socket's own), with
 * real H.264 from ffmpeg: a viewer that stops reading never delays one that reads, its unsent bytes
 * stay under the bound, and when it reads again it starts whole, at a key picture; a joining viewer
 * gets the init segment and the pictures since the last key one; a restarted camera starts a new
 * stream for everyone.
 */
import net from 'node:net';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { VideoRelay, type ViewerChannel } from '../../server/video/relay.ts';
import type { VideoMessage } from '../../server/wire/types.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { fragmentInfo, isInitSegment } from '../helpers/video-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { ClipSource, encodeClip, type Clip } from '../helpers/video-feed.ts';

/** What a viewer's client read: text messages and fMP4 pieces, in order. */
type Got = { text: VideoMessage } | { bin: Buffer };

/**
 * A viewer over a loopback TCP connection: the relay writes length-prefixed frames (T: JSON, B:
 * binary) to the server's end; the client's end parses them, unless paused (a viewer that stops reading).
 */
async function tcpViewer(relay: VideoRelay, vehicleId: string) {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const end = await accepted;
  server.close();
  const got: Got[] = [];
  let pending = Buffer.alloc(0);
  client.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(0)) {
      const body = pending.subarray(5, 5 + pending.readUInt32BE(0));
      got.push(pending[4] === 0x54 ? { text: JSON.parse(body.toString()) as VideoMessage } : { bin: Buffer.from(body) });
      pending = pending.subarray(5 + body.length);
    }
  });
  const frame = (kind: number, body: Buffer) => {
    const head = Buffer.allocUnsafe(5);
    head.writeUInt32BE(body.length);
    head[4] = kind;
    end.write(head);
    end.write(body);
  };
  const channel: ViewerChannel = {
    buffered: () => end.writableLength,
    sendBinary: (d) => frame(0x42, d),
    sendText: (m) => frame(0x54, Buffer.from(JSON.stringify(m))),
  };
  const joined = relay.join(vehicleId, channel);
  return {
    got,
    stats: joined.stats,
    fragments: () => got.flatMap((g) => ('bin' in g && !isInitSegment(g.bin) ? [fragmentInfo(g.bin)] : [])),
    pause: () => client.pause(),
    resume: () => client.resume(),
    close() {
      joined.leave();
      client.destroy();
      end.destroy();
    },
  };
}

type Viewer = Awaited<ReturnType<typeof tcpViewer>>;

describeWithFfmpeg('video relay over real sockets', () => {
  let heavy: Clip;
  let light: Clip;
  const viewers: Viewer[] = [];
  beforeAll(() => {
    // 40 kB a picture: a stalled viewer's kernel buffers (several MB on loopback) fill within seconds.
    heavy = encodeClip({ width: 1280, height: 720, kbps: 8000, seconds: 2, gop: 25 });
    light = encodeClip({ seconds: 2, gop: 10 });
  });
  afterEach(() => {
    for (const v of viewers.splice(0)) v.close();
  });

  it('a viewer that stops reading skips to key pictures under the bound; the one that reads gets every picture, in order', async () => {
    const bound = 512 * 1024;
    const relay = new VideoRelay({ maxBufferedBytes: bound });
    const source = new ClipSource(heavy, 'heavy');
    relay.attach('d1', source);
    const fast = await tcpViewer(relay, 'd1');
    const slow = await tcpViewer(relay, 'd1');
    viewers.push(fast, slow);
    slow.pause();
    const biggest = Math.max(...heavy.pictures.map((p) => p.nals.reduce((n, x) => n + x.length + 4, 0)));
    const total = 1000;
    for (let i = 0; i < total; i++) {
      source.sendNext();
      // as a camera would, a picture at a time: the network gets its turn between them
      await new Promise((r) => setImmediate(r));
    }
    await waitFor('the reading viewer has every picture', () => fast.fragments().length === total, 20_000);
    const times = fast.fragments().map((f) => f.time);
    expect(times).toEqual(times.map((_, i) => i * 3600));
    expect(fast.stats).toMatchObject({ sent: total, skipped: 0, fellBehind: 0 });

    // The stalled one: fell behind, skipped, and its unsent bytes never passed the bound by more than a picture.
    expect(slow.stats.fellBehind).toBeGreaterThanOrEqual(1);
    expect(slow.stats.skipped).toBeGreaterThan(0);
    expect(slow.stats.sent + slow.stats.skipped).toBe(total);
    expect(slow.stats.maxBuffered).toBeLessThanOrEqual(bound + biggest + 5);
    console.log(
      `relay: stalled viewer sent ${slow.stats.sent}, skipped ${slow.stats.skipped} of ${total} pictures (${
        (total * heavy.pictures.reduce((n, p) => n + p.nals.reduce((m, x) => m + x.length, 0), 0) / heavy.pictures.length / 1e6).toFixed(1)
      } MB); its write buffer peaked at ${(slow.stats.maxBuffered / 1024).toFixed(0)} kB (bound ${bound / 1024} kB)`,
    );

    // It reads again: what it already had, then, after the gap, a key picture first.
    slow.resume();
    const had = slow.stats.sent;
    await waitFor('the stalled viewer drained', () => slow.fragments().length === had, 20_000);
    for (let i = 0; i < 60; i++) {
      source.sendNext();
      await new Promise((r) => setImmediate(r));
    }
    await waitFor('the viewer is back', () => slow.fragments().length > had, 10_000);
    const after = slow.fragments().slice(had);
    expect(after[0]!.key).toBe(true);
    expect(after[0]!.time).toBeGreaterThan(slow.fragments()[had - 1]!.time + 3600); // the gap it skipped
    const resumedAt = after[0]!.time;
    expect(after.map((f) => f.time)).toEqual(after.map((_, i) => resumedAt + i * 3600));
  });

  it('a joining viewer gets the feed, the init segment and the pictures since the last key one: decodable at once', async () => {
    const relay = new VideoRelay();
    const source = new ClipSource(light, 'light');
    relay.attach('d2', source);
    for (let i = 0; i < 14; i++) source.sendNext(); // key pictures at 0 and 10: 4 since the last
    const v = await tcpViewer(relay, 'd2');
    viewers.push(v);
    source.sendNext();
    await waitFor('five pictures', () => v.fragments().length === 5, 5000);
    const [feed, init, segment] = v.got;
    expect(feed).toMatchObject({ text: { type: 'feed', feed: { vehicleId: 'd2', state: 'live', codec: 'h264', width: 320, height: 240 } } });
    expect(init).toMatchObject({ text: { type: 'init', codec: 'h264', mime: expect.stringMatching(/^video\/mp4; codecs="avc1\./) } });
    expect('bin' in segment! && isInitSegment(segment.bin)).toBe(true);
    expect(v.fragments()).toEqual([10, 11, 12, 13, 14].map((i) => ({ time: i * 3600, key: i === 10 })));
  });

  it('without kept pictures (over the size bound) a joining viewer starts at the next key picture', async () => {
    const relay = new VideoRelay({ maxGopBytes: 1000 });
    const source = new ClipSource(light, 'light');
    relay.attach('d3', source);
    for (let i = 0; i < 5; i++) source.sendNext();
    const v = await tcpViewer(relay, 'd3');
    viewers.push(v);
    for (let i = 5; i < 12; i++) source.sendNext();
    await waitFor('two pictures', () => v.fragments().length === 2, 5000);
    expect(v.fragments()).toEqual([{ time: 10 * 3600, key: true }, { time: 11 * 3600, key: false }]);
    expect(v.stats.skipped).toBe(5);
  });

  it('a restarted camera (its clock elsewhere) starts a new stream: a new init segment, a new timeline from 0', async () => {
    const relay = new VideoRelay();
    const source = new ClipSource(light, 'light');
    relay.attach('d4', source);
    const v = await tcpViewer(relay, 'd4');
    viewers.push(v);
    for (let i = 0; i < 12; i++) source.sendNext();
    source.restart();
    for (let i = 0; i < 3; i++) source.sendNext();
    await waitFor('15 pictures', () => v.fragments().length === 15, 5000);
    const inits = v.got.filter((g) => 'text' in g && g.text.type === 'init');
    expect(inits).toHaveLength(2);
    expect(v.fragments().slice(11).map((f) => f.time)).toEqual([11 * 3600, 0, 3600, 7200]);
    expect(v.fragments()[12]!.key).toBe(true);
  });

  it('source health reaches every viewer: stale with the time of the last picture', async () => {
    const relay = new VideoRelay();
    const source = new ClipSource(light, 'light');
    relay.attach('d5', source);
    const v = await tcpViewer(relay, 'd5');
    viewers.push(v);
    const last = source.sendNext();
    source.stop();
    await waitFor('stale', () => v.got.some((g) => 'text' in g && g.text.type === 'feed' && g.text.feed.state === 'stale'), 5000);
    expect(relay.feed('d5')).toMatchObject({ state: 'stale', lastPictureAt: last.arrivedMs, reason: 'no pictures for 1 s' });
    await source.close();
  });
});
