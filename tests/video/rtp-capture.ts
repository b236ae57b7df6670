import dgram from 'node:dgram';
import fs from 'node:fs';
import { RtpDepacketizer } from '../../server/video/rtp-h264.ts';
import type { AccessUnit, VideoCodec } from '../../server/video/types.ts';
import { sendRtp } from '../helpers/ffmpeg.ts';

/** Every datagram ffmpeg's RTP sender sends while playing `file` in real time, as it came over loopback UDP. */
export async function captureRtp(file: string, pktSize = 1200): Promise<Buffer[]> {
  const socket = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  try {
    await sendRtp({ port: socket.address().port, input: file, pktSize }).ended;
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    socket.close();
  }
  if (got.length === 0) throw new Error(`no RTP came from ffmpeg playing ${file}`);
  return got;
}

/** Feed packets to a depacketizer; the pictures and its counts. */
export function depacketize(codec: VideoCodec, packets: Buffer[]): { units: AccessUnit[]; counts: RtpDepacketizer['counts'] } {
  const units: AccessUnit[] = [];
  const d = new RtpDepacketizer({ codec, unit: (u) => units.push({ ...u, nals: u.nals.map((n) => Buffer.from(n)) }) });
  packets.forEach((p, i) => d.push(p, i));
  return { units, counts: d.counts };
}

/** The payload's NAL type of each packet: "24" STAP-A, "28" FU-A (H.264); "48" AP, "49" FU (H.265). */
export function payloadKinds(codec: VideoCodec, packets: Buffer[]): Set<number> {
  return new Set(packets.map((p) => {
    const at = 12 + 4 * (p[0]! & 0x0f);
    return codec === 'h264' ? p[at]! & 0x1f : (p[at]! >> 1) & 0x3f;
  }));
}

export const readFile = (f: string) => fs.readFileSync(f);
