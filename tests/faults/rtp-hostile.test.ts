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
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { encodeClip } from '../helpers/video-feed.ts';
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
});
