import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TcpInLink } from '../../server/links/tcp.ts';
import type { UdpInLink } from '../../server/links/udp.ts';
import type { AircraftAlertView } from '../../server/wire/types.ts';
import { scriptedPeer } from '../helpers/peer.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

type Peer = Awaited<ReturnType<typeof scriptedPeer>>;
type Service = Awaited<ReturnType<typeof testService>>;

/**
 * The whole story of one link fault, through the real service: the drone flies, the fault
 * starts, the vehicle is marked lost within 4 s and a link_lost alert reaches the command room
 * (socket) and GET /api/alerts/open; the fault ends and, with no restart, the vehicle is back,
 * asked for its streams again, its position flowing, the alert cleared.
 */
async function lossAndReturn(link: string, vehicleId: string, drone: (t: Service) => Promise<Peer>, fault: { start(): unknown; end(): unknown }) {
  const t = await testService({ links: [link] });
  cleanup.push(() => t.close());
  const token = await t.user('room', ['command']);
  const room = t.socket(token);
  const roomAlerts: AircraftAlertView[] = [];
  room.on('alerts:aircraft', (list) => roomAlerts.push(...list));
  const peer = await drone(t);
  cleanup.push(() => peer.close());
  const v = await waitFor('vehicle found with a position', () => t.svc.fleet.get(vehicleId)?.position && t.svc.fleet.get(vehicleId), 10_000);
  let lostAt = 0;
  t.svc.fleet.on('lost', (lost) => {
    if (lost === v) lostAt = Date.now();
  });

  const faultAt = Date.now();
  await fault.start();
  await waitFor('vehicle lost', () => lostAt, 8000);
  expect(lostAt - faultAt, 'marked lost this long after the fault began (ms)').toBeLessThanOrEqual(4000);
  const alert = await waitFor('link_lost alert in the command room', () => roomAlerts.find((a) => a.vehicleId === vehicleId && a.rule === 'link_lost'));
  expect(alert).toMatchObject({ severity: 'warning', clearedAt: null });
  const open = (await t.api('GET', '/api/alerts/open', token)).body as { aircraft: AircraftAlertView[] };
  expect(open.aircraft.filter((a) => a.vehicleId === vehicleId).map((a) => a.rule)).toContain('link_lost');

  const requestsBefore = peer.from255(66).length;
  const resumedAt = Date.now();
  await fault.end();
  await waitFor('vehicle regained', () => !v.lost, 15_000);
  await waitFor('position flowing again', () => v.lastPositionAt > resumedAt);
  await waitFor('streams asked again', () => peer.from255(66).length > requestsBefore);
  await waitFor('alert cleared in the command room', () => roomAlerts.some((a) => a.id === alert.id && a.clearedAt !== null));
  expect(t.svc.fleet.vehicles.size).toBe(1); // the same vehicle came back, not a second one
}

/** A TCP bridge in front of a drone (a radio modem's TCP port, a SITL): it can reset its connections and stay away. */
async function resettableBridge(upstreamPort: number) {
  const sockets: net.Socket[] = [];
  let server: net.Server | null = null;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = net.createServer((down) => {
        const up = net.connect(upstreamPort, '127.0.0.1');
        for (const s of [up, down]) s.on('error', () => {/* reset on purpose */});
        down.pipe(up).pipe(down);
        sockets.push(down, up);
      });
      server.listen(port, '127.0.0.1', () => resolve((server!.address() as net.AddressInfo).port));
    });
  const port = await listen(0);
  return {
    port,
    /** RST every connection and stop answering, as a peer that crashed */
    async reset() {
      for (const s of sockets.splice(0)) s.resetAndDestroy();
      await new Promise((r) => server!.close(r));
    },
    restart: () => listen(port),
    close: () => {
      for (const s of sockets.splice(0)) s.destroy();
      server?.close();
    },
  };
}

const HAS_SOCAT = (() => {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A pair of connected pseudo-terminals (a serial cable) that can be unplugged and plugged back. */
function serialCable() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-pty-'));
  const ends = { ground: path.join(dir, 'ground'), drone: path.join(dir, 'drone') };
  let socat: ChildProcess | null = null;
  return {
    ends,
    async plug() {
      socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${ends.ground}`, `pty,raw,echo=0,link=${ends.drone}`], { stdio: 'ignore' });
      await waitFor('pseudo-terminals', () => fs.existsSync(ends.ground) && fs.existsSync(ends.drone), 5000);
    },
    async unplug() {
      const s = socat;
      socat = null;
      if (!s || s.exitCode !== null) return;
      const exited = new Promise((r) => s.once('exit', r));
      s.kill('SIGTERM');
      await exited;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

describe('link faults through the real service', () => {
  it('a UDP drone that goes silent and returns', async () => {
    let peer: Peer;
    await lossAndReturn('udpin://127.0.0.1:0', 'l1-7', async (t) => {
      peer = await scriptedPeer(`udpout://127.0.0.1:${(t.svc.fleet.connections.get('l1')!.link as UdpInLink).boundPort}`, 7);
      return peer;
    }, { start: () => peer.silence(), end: () => peer.resume() });
  });

  it('a TCP peer that resets its connection, stays away, and comes back', async () => {
    const drone = await scriptedPeer('tcpin://127.0.0.1:0', 5);
    cleanup.push(() => drone.close());
    const bridge = await resettableBridge((drone.conn.link as TcpInLink).boundPort);
    cleanup.push(() => bridge.close());
    await lossAndReturn(`tcpout://127.0.0.1:${bridge.port}`, 'l1-5', async () => drone, {
      start: () => bridge.reset(),
      end: () => bridge.restart(),
    });
  });

  (HAS_SOCAT ? it : it.skip)(`a serial port that disappears and comes back${HAS_SOCAT ? '' : ' [skipped: needs socat, absent here]'}`, async () => {
    const cable = serialCable();
    cleanup.push(() => cable.remove());
    await cable.plug();
    cleanup.push(() => cable.unplug());
    await lossAndReturn(`serial://${cable.ends.ground}:57600`, 'l1-4', () => scriptedPeer(`serial://${cable.ends.drone}:57600`, 4), {
      start: () => cable.unplug(),
      end: () => cable.plug(),
    });
  });
});
