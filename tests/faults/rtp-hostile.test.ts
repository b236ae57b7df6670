/**
 * Hostile RTP at a drone's UDP video port (rtp://…, which takes datagrams from any sender): a key
 * picture of 9 MB in FU-A fragments, over real UDP, and then a real H.264 clip from ffmpeg.
 */
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { RtpPacketizer } from '../../server/sim/rtp-packetizer.ts';
import type { AccessUnit } from '../../server/video/types.ts';
import { UdpVideoSource } from '../../server/video/udp-source.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { encodeClip, type Clip } from '../helpers/video-feed.ts';
import { waitFor } from '../helpers/wait.ts';

/** Sends packets paced so that loopback drops none (a loss would lose the picture for another reason). */
async function sendAll(socket: dgram.Socket, port: number, packets: Buffer[]): Promise<void> {
  for (let i = 0; i < packets.length; i++) {
    await new Promise<void>((resolve, reject) => socket.send(packets[i]!, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describeWithFfmpeg('hostile RTP', () => {
  const cleanup = cleanupAfterEach();

  describe('a picture without bound', () => {
    it('a 9 MB key picture is dropped as over 8 MB (its bytes let go); the real clip after it plays from its key picture', async () => {
      const notes: string[] = [];
      const source = await UdpVideoSource.open('rtp://127.0.0.1:0', { debug: (l) => notes.push(l) });
      cleanup.push(() => source.close());
      const units: AccessUnit[] = [];
      source.onUnit((u) => units.push(u));
      const sender = dgram.createSocket('udp4');
      cleanup.push(() => sender.close());
      const clip = encodeClip({ seconds: 1, gop: 10 });
      const packetizer = new RtpPacketizer();
      // A real IDR slice's header, then 9 MB: one NAL unit of one timestamp, cut into ~7800 FU-A
      // fragments. Before, every fragment was kept and the 9 MB unit was passed on as a picture.
      const idr = clip.pictures[0]!.nals.find((n) => (n[0]! & 0x1f) === 5)!;
      const huge = Buffer.concat([idr, Buffer.alloc(9 * 1024 * 1024, 0x55)]);
      await sendAll(sender, source.port, packetizer.packetize([huge], 0));
      const step = 90_000 / clip.fps;
      await sendAll(sender, source.port, clip.pictures.flatMap((p, i) => packetizer.packetize(p.nals, (i + 1) * step)));
      await waitFor('the clip', () => units.at(-1)?.pts90k === clip.pictures.length * step, 5000);
      expect(units).toHaveLength(clip.pictures.length);
      expect(source.health()).toMatchObject({ lostPackets: 0, badPackets: 1 });
      expect(notes).toContain('bad packet: a picture over 8 MB');
      expect(units[0]).toMatchObject({ key: true, pts90k: step });
      expect(Math.max(...units.map((u) => u.nals.reduce((s, n) => s + n.length, 0)))).toBeLessThan(1024 * 1024);
    }, 30_000);
  });

  describe('another sender on the port', () => {
    const samePicture = (u: AccessUnit, clip: Clip) =>
      clip.pictures.some((p) => p.nals.length === u.nals.length && p.nals.every((n, i) => n.equals(u.nals[i]!)));

    it(
      'pictures from a second address, sent in step with the drone, are dropped; after the drone is silent 1 s (fake clock) the new sender is taken',
      async () => {
        const clock = fakeClock();
        const source = await UdpVideoSource.open('rtp://127.0.0.1:0', { clock: clock.clock });
        cleanup.push(() => source.close());
        const units: AccessUnit[] = [];
        source.onUnit((u) => units.push(u));
        const [drone, intruder] = [dgram.createSocket('udp4'), dgram.createSocket('udp4')];
        cleanup.push(() => drone.close(), () => intruder.close());
        const ours = encodeClip({ seconds: 1, gop: 5 });
        const theirs = encodeClip({ seconds: 1, gop: 5, width: 160, height: 120 });
        const [ourPackets, theirPackets] = [new RtpPacketizer(), new RtpPacketizer()];
        const step = 90_000 / ours.fps;
        // Picture by picture, the intruder's (a new SSRC, in sequence: taken at once before) right
        // after each of the drone's.
        for (let i = 0; i < ours.pictures.length; i++) {
          await sendAll(drone, source.port, ourPackets.packetize(ours.pictures[i]!.nals, i * step));
          await sendAll(intruder, source.port, theirPackets.packetize(theirs.pictures[i % theirs.pictures.length]!.nals, 5_000_000 + i * step));
        }
        await waitFor("the drone's clip", () => units.length >= ours.pictures.length, 5000);
        await new Promise((resolve) => setTimeout(resolve, 200)); // anything still in flight
        expect(units.filter((u) => !samePicture(u, ours))).toEqual([]);
        expect(units).toHaveLength(ours.pictures.length);
        expect(source.health().restarts).toBe(0);
        expect(source.health().badPackets).toBeGreaterThan(ours.pictures.length);

        // The drone falls silent (its radio changed address, say): a second later another sender is taken.
        await clock.advance(1000);
        const before = units.length;
        await sendAll(intruder, source.port, theirs.pictures.flatMap((p, i) => theirPackets.packetize(p.nals, 6_000_000 + i * step)));
        await waitFor('the new sender', () => units.length > before + 5, 5000);
        expect(units.slice(before).every((u) => samePicture(u, theirs))).toBe(true);
        expect(source.health().restarts).toBe(1);
      },
      30_000,
    );
  });
});
