import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { UdpVideoSource } from '../../server/video/udp-source.ts';
import type { AccessUnit, SourceHealth } from '../../server/video/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { describeWithFfmpeg, sendRtp, x264 } from '../helpers/ffmpeg.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

async function open(uri: string, clock = fakeClock()) {
  const source = await UdpVideoSource.open(uri, { clock: clock.clock });
  cleanup.push(() => source.close());
  const units: AccessUnit[] = [];
  const health: SourceHealth[] = [];
  source.onUnit((u) => units.push(u));
  source.onHealth((h) => health.push(h));
  return { source, units, health, clock };
}

/** ffmpeg encoding live to a port, stopped after the test. */
function camera(port: number, args = x264({ size: '320x240' }), extra: { sdpFile?: string } = {}) {
  const cam = sendRtp({ port, args, ...extra });
  cleanup.push(() => cam.kill());
  return cam;
}

describeWithFfmpeg('RTP over UDP (rtp://HOST:PORT) from a live ffmpeg', () => {
  it('binds, takes the SPS from the stream and delivers whole pictures; live', async () => {
    const { source, units } = await open('rtp://127.0.0.1:0');
    expect(source.health()).toMatchObject({ state: 'connecting', reason: `nothing received on UDP port ${source.port}` });
    camera(source.port);
    await waitFor('25 pictures', () => units.length >= 25);
    expect(source.parameterSets()).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(units[0]!.key).toBe(true);
    expect(source.health()).toMatchObject({ state: 'live', badPackets: 0, lostPackets: 0, restarts: 0 });
    expect(source.health().units).toBe(units.length);
  });

  it('H.265 (?codec=h265): VPS/SPS/PPS from the stream, the size from its SPS, IRAP pictures as keys', async () => {
    const { source, units } = await open('rtp://127.0.0.1:0?codec=h265');
    camera(source.port, [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=480x270:rate=25',
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-x265-params',
      'keyint=25:log-level=error',
    ]);
    await waitFor('10 pictures', () => units.length >= 10, 20_000);
    expect(source.parameterSets()).toMatchObject({ codec: 'h265', width: 480, height: 270, vps: expect.any(Buffer) });
    expect(units[0]).toMatchObject({ codec: 'h265', key: true });
  });

  it('a port already in use is refused with a clear reason', async () => {
    const { source } = await open('rtp://127.0.0.1:0');
    await expect(UdpVideoSource.open(`rtp://127.0.0.1:${source.port}`)).rejects.toThrow(`UDP port ${source.port} is already in use`);
  });

  it('through a lossy relay that also sends garbage: losses and junk are counted, pictures go on from the next key picture', async () => {
    const { source, units } = await open('rtp://127.0.0.1:0');
    const relay = dgram.createSocket('udp4');
    cleanup.push(() => relay.close());
    await new Promise<void>((r) => relay.bind(0, '127.0.0.1', () => r()));
    let n = 0;
    relay.on('message', (m) => {
      n++;
      if (n % 60 === 30) return; // lost
      if (n % 45 === 0) relay.send(Buffer.from(`garbage ${n}`), source.port, '127.0.0.1'); // junk between
      if (n % 70 === 0) relay.send(Buffer.from(m).fill(0xee, 12, 40), source.port, '127.0.0.1'); // a garbled copy
      relay.send(m, source.port, '127.0.0.1');
    });
    camera(relay.address().port, x264({ size: '320x240', gop: 10 }));
    await waitFor('losses, junk and 60 pictures after them', () => {
      const h = source.health();
      return h.lostPackets >= 3 && h.badPackets >= 3 && units.length >= 60;
    }, 20_000);
    expect(units[0]!.key).toBe(true);
    expect(source.health().state).toBe('live');
  });

  it('stale 2 s after the pictures stop (fake clock), with the reason; live again by itself when a restarted sender comes back', async () => {
    const { source, units, health, clock } = await open('rtp://127.0.0.1:0');
    const first = camera(source.port);
    await waitFor('pictures', () => units.length >= 10);
    expect(health.at(-1)!.state).toBe('live');
    first.kill();
    await first.ended;
    await new Promise((r) => setTimeout(r, 100)); // the last packets in flight
    await clock.advance(1999);
    expect(source.health().state).toBe('live');
    await clock.advance(1);
    expect(health.at(-1)).toMatchObject({ state: 'stale', reason: `pictures stopped on UDP port ${source.port}` });
    expect(source.health().lastUnitMs).toBe(units.at(-1)!.arrivedMs);
    // a new ffmpeg: a new SSRC and sequence, the same port
    const before = units.length;
    camera(source.port);
    await waitFor('pictures again', () => units.length > before + 5);
    expect(health.at(-1)!.state).toBe('live');
    expect(source.health().restarts).toBe(1);
    expect(units[before]!.key).toBe(true);
    expect(units[before]!.pts90k).toBeGreaterThan(units[before - 1]!.pts90k);
  });

  it('takes SPS/PPS given out of band (sprop-parameter-sets) when the sender never sends them in band', async () => {
    const sdpFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-sdp-')), 'x.sdp');
    // Global headers: x264 puts SPS/PPS only in the SDP, never in the stream.
    const probe = camera(9, [...x264({ size: '480x272' }), '-flags', '+global_header'], { sdpFile });
    await waitFor('the SDP', () => fs.existsSync(sdpFile) && /sprop-parameter-sets=([^;\s]+)/.exec(fs.readFileSync(sdpFile, 'utf8')));
    probe.kill();
    const sprop = /sprop-parameter-sets=([^;\s]+)/.exec(fs.readFileSync(sdpFile, 'utf8'))![1]!;
    const { source, units } = await open(`rtp://127.0.0.1:0?sprop-parameter-sets=${sprop}`);
    expect(source.parameterSets()).toMatchObject({ width: 480, height: 272 });
    camera(source.port, [...x264({ size: '480x272' }), '-flags', '+global_header']);
    await waitFor('pictures', () => units.length >= 5);
    expect(units[0]!.nals.some((n) => (n[0]! & 0x1f) === 7)).toBe(false); // really none in band
  });
});
