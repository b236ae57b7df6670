import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { UdpInLink } from '../../server/links/udp.ts';
import { parseLinkUri } from '../../server/links/uri.ts';
import { groundStation } from '../helpers/ground.ts';
import { scriptedPeer } from '../helpers/peer.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('links over real sockets', () => {
  it('two links and several sysids at once: each vehicle found, answered with GCS heartbeats and a stream request', async () => {
    const tcpPort = await freePort();
    // A drone listening on TCP like SITL's port 5760, reached through a tcpout link.
    const viaTcp = await scriptedPeer(`tcpin://127.0.0.1:${tcpPort}`, 5);
    cleanup.push(() => viaTcp.close());
    const gs = await groundStation({ l1: 'udpin://127.0.0.1:0', l2: `tcpout://127.0.0.1:${tcpPort}` });
    cleanup.push(() => gs.close());
    const udpPort = (gs.conns[0]!.link as UdpInLink).boundPort;
    const a = await scriptedPeer(`udpout://127.0.0.1:${udpPort}`, 1);
    const b = await scriptedPeer(`udpout://127.0.0.1:${udpPort}`, 2, { lon: 121.3803 });
    cleanup.push(() => a.close(), () => b.close());

    await waitFor('vehicles on both links', () => ['l1-1', 'l1-2', 'l2-5'].every((id) => gs.fleet.vehicles.has(id)));
    expect(gs.fleet.vehicles.size).toBe(3);
    await waitFor('GCS heartbeat at each drone', () => [a, b, viaTcp].every((p) => p.from255(0).length > 0), 3000);
    await waitFor('stream request at each drone', () => [a, b, viaTcp].every((p) => p.from255(66).length > 0));
    expect(gs.fleet.get('l1-2')!.position!.lon).toBeCloseTo(121.3803, 6);
    const hb = a.from255(0)[0]!;
    expect(hb.frame).toMatchObject({ version: 2, sysid: 255, compid: 190 });
    expect(hb.msg).toMatchObject({ type: 6, autopilot: 8 });
  });
});

describe('vehicle link loss', () => {
  it('marks a silent drone lost and regains it, asking for its streams again', async () => {
    const gs = await groundStation({ l1: 'udpin://127.0.0.1:0' });
    cleanup.push(() => gs.close());
    const port = (gs.conns[0]!.link as UdpInLink).boundPort;
    const drone = await scriptedPeer(`udpout://127.0.0.1:${port}`, 7);
    cleanup.push(() => drone.close());
    const other = await scriptedPeer(`udpout://127.0.0.1:${port}`, 8);
    cleanup.push(() => other.close());
    const events: string[] = [];
    gs.fleet.on('lost', (v) => events.push(`lost ${v.id}`));
    gs.fleet.on('regained', (v) => events.push(`regained ${v.id}`));
    await waitFor('vehicle', () => gs.fleet.get('l1-7'));

    drone.silence();
    const silentAt = Date.now();
    await waitFor('lost', () => gs.fleet.get('l1-7')!.lost, 8000);
    const lostAfter = Date.now() - silentAt;
    expect(gs.fleet.get('l1-7')!.view(0).health).toBe('lost');
    expect(gs.fleet.get('l1-8')!.lost).toBe(false); // the other drone on the same port carries on
    const requestsBefore = drone.from255(66).length;

    drone.resume();
    await waitFor('regained', () => !gs.fleet.get('l1-7')!.lost);
    await waitFor('streams asked again', () => drone.from255(66).length > requestsBefore);
    expect(events).toEqual(['lost l1-7', 'regained l1-7']);
    // Declared lost after the 3.5 s heartbeat timeout, not before.
    expect(lostAfter).toBeGreaterThanOrEqual(3300);
  });

  it('tcpout reconnects when the far end restarts, and the vehicle comes back', async () => {
    const port = await freePort();
    const first = await scriptedPeer(`tcpin://127.0.0.1:${port}`, 3);
    const gs = await groundStation({ l1: `tcpout://127.0.0.1:${port}` });
    cleanup.push(() => gs.close());
    await waitFor('vehicle over tcp', () => gs.fleet.get('l1-3'));
    await first.close(); // "SITL killed"
    await waitFor('link down', () => gs.conns[0]!.link.state === 'down');
    await waitFor('vehicle lost', () => gs.fleet.get('l1-3')!.lost, 8000);

    const second = await scriptedPeer(`tcpin://127.0.0.1:${port}`, 3);
    cleanup.push(() => second.close());
    await waitFor('link up again', () => gs.conns[0]!.link.state === 'up', 10_000);
    await waitFor('vehicle regained', () => !gs.fleet.get('l1-3')!.lost, 8000);
  });
});

describe('bad link configuration', () => {
  it.each([
    ['bogus://x', /unknown link type "bogus"/],
    ['udpin://0.0.0.0', /expected udpin:\/\/HOST:PORT/],
    ['tcpout://127.0.0.1:99999', /port 99999 is not a valid port/],
    ['serial:///dev/ttyUSB0:12', /baud rate 12 is not plausible/],
    ['/dev/ttyUSB0', /is not a link URI/],
  ])('%s is refused with a clear message', (uri, message) => {
    expect(() => parseLinkUri(uri)).toThrow(message);
  });

  it('a UDP port already in use is reported as such', async () => {
    const a = new UdpInLink('udpin://127.0.0.1:0', '127.0.0.1', 0);
    await a.open();
    cleanup.push(() => a.close());
    const b = new UdpInLink(`udpin://127.0.0.1:${a.boundPort}`, '127.0.0.1', a.boundPort);
    await expect(b.open()).rejects.toThrow(`udpin://127.0.0.1:${a.boundPort}: cannot listen on 127.0.0.1:${a.boundPort}: port already in use`);
  });
});
