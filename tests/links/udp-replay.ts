import dgram from 'node:dgram';
import fs from 'node:fs';
import { parseTlog } from '../../server/links/tlog.ts';
import type { UdpInLink } from '../../server/links/udp.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Send a capture's vehicle packets (every sysid but the ground station's 255) to a udpin link
 * over loopback, one datagram per packet and one socket per sysid (as SITL does), in bursts
 * paced by the datagrams the link has taken: loopback UDP drops what overflows the receive
 * buffer, and these tests are about what the station makes of the packets, not about UDP loss.
 * Resolves with the number of packets sent, once the link has them all.
 */
export async function replayOverUdp(file: string, link: UdpInLink): Promise<number> {
  const port = link.boundPort;
  const records = parseTlog(fs.readFileSync(file)).filter((r) => r.packet[5] !== 255);
  let taken = 0;
  const count = () => {
    taken++;
  };
  link.on('data', count);
  const sockets = new Map<number, dgram.Socket>();
  try {
    for (const [i, r] of records.entries()) {
      const sysid = r.packet[5]!;
      let s = sockets.get(sysid);
      if (!s) {
        s = dgram.createSocket('udp4');
        sockets.set(sysid, s);
      }
      await new Promise<void>((res) => s.send(r.packet, port, '127.0.0.1', () => res()));
      if (i % 50 === 49) await waitFor(`datagram ${i + 1} taken`, () => taken >= i + 1, 5000, 1);
    }
    await waitFor('all datagrams taken', () => taken >= records.length, 5000, 1);
  } finally {
    link.off('data', count);
    for (const s of sockets.values()) s.close();
  }
  return records.length;
}
