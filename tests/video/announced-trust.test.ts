/**
 * A drone's camera announcement (MAVLink VIDEO_STREAM_INFORMATION) is followed on its word only
 * when it cannot send the service elsewhere: a port to listen on, an RTSP camera on the drone's
 * own address, or anything from a signed link. A real UDP MAVLink link with a scripted drone on
 * it, real TCP listeners standing in for hosts the announcement names.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { common } from 'node-mavlink';
import { expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { scriptedPeer } from '../helpers/peer.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

function streamInfo(uri: string, type: common.VideoStreamType): common.VideoStreamInformation {
  return Object.assign(new common.VideoStreamInformation(), {
    streamId: 1,
    count: 1,
    type,
    flags: common.VideoStreamStatusFlags.RUNNING,
    framerate: 30,
    bitrate: 4_000_000,
    resolutionH: 1280,
    resolutionV: 720,
    rotation: 0,
    hfov: 80,
    name: 'cam',
    uri,
    encoding: common.VideoStreamEncoding.H264,
    cameraDeviceId: 0,
  });
}

/** A TCP listener standing for some host's port: counts who connects to it. */
async function listener(host: string): Promise<{ port: number; connections: () => number }> {
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as net.AddressInfo).port, connections: () => count };
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * The real service with one UDP MAVLink link and a scripted ArduCopter (sysid 7) talking to it from
 * 127.0.0.1; with `key`, both ends sign (MAVLink 2 signing) and the service drops what is not signed.
 */
async function serviceWithDrone(key?: string) {
  const linkPort = await freeUdpPort();
  const signed = key ? `?key=${encodeURIComponent(key)}` : '';
  const t = await testService({ links: [`udpin://127.0.0.1:${linkPort}${signed}`] });
  cleanup.push(() => t.close());
  const drone = await scriptedPeer(`udpout://127.0.0.1:${linkPort}${signed}`, 7);
  cleanup.push(() => drone.close());
  await waitFor('the drone found', () => t.svc.videoSources.list().length === 1, 10_000);
  const id = t.svc.videoSources.list()[0]!.drone;
  return { t, drone, id };
}

it('an RTSP camera announced on another host over an unsigned link waits for an admin: nothing connects, nothing says whether the port is open; one approval opens it, audited', async () => {
  const elsewhere = await listener('127.0.0.2'); // a host other than the one the drone's link comes from
  const { t, drone, id } = await serviceWithDrone();
  const uri = `rtsp://127.0.0.2:${elsewhere.port}/internal`;
  await waitFor('the announcement taken', () => {
    drone.send(streamInfo(uri, common.VideoStreamType.RTSP));
    return t.svc.videoSources.list()[0]?.announced === uri;
  }, 10_000);
  await t.svc.videoSources.settled();
  const entry = t.svc.videoSources.list()[0]!;
  expect(entry).toMatchObject({ drone: id, uri: null, from: null, awaitingApproval: true, health: null });
  expect(entry.problem).toBe(`announced ${uri}, waiting for an admin to approve it`);
  expect(t.svc.videoSources.sourceFor(id)).toBeUndefined();
  expect(elsewhere.connections()).toBe(0);

  const admin = await t.login('admin', ADMIN_PASSWORD);
  const pilot = await t.user('pilot1', ['pilot']);
  expect((await t.api('POST', `/api/video-sources/${id}/approve`, pilot, { uri })).status).toBe(403);
  expect((await t.api('POST', '/api/video-sources/l9-9/approve', admin, { uri })).status).toBe(404);
  // what the admin approves is what they saw: an announcement changed since is not approved
  expect(await t.api('POST', `/api/video-sources/${id}/approve`, admin, { uri: 'rtsp://127.0.0.2:554/other' })).toMatchObject({
    status: 409,
    body: {
      error: `uri: drone ${id} now announces ${uri}, not rtsp://127.0.0.2:554/other: look again before approving`,
      said: { code: 'video_source_announcement_changed', params: { drone: id, now: uri, seen: 'rtsp://127.0.0.2:554/other' } },
    },
  });
  expect(elsewhere.connections()).toBe(0);
  const approved = await t.api('POST', `/api/video-sources/${id}/approve`, admin, { uri });
  expect(approved.status).toBe(200);
  expect(approved.body.configured[id]).toBe(uri);
  await waitFor('the approved camera dialled', () => elsewhere.connections() > 0, 10_000);
  expect(t.svc.videoSources.list()[0]).toMatchObject({ from: 'configured', uri, awaitingApproval: false });
  const audit = (await t.api('GET', '/api/audit?action=video.source.approve', admin)).body as { target: string; user: string }[];
  expect(audit).toMatchObject([{ target: id, user: 'admin' }]);
});

it('an RTSP camera on the address the drone’s link comes from is followed unasked', async () => {
  const own = await listener('127.0.0.1');
  const { t, drone } = await serviceWithDrone();
  const uri = `rtsp://127.0.0.1:${own.port}/main`;
  await waitFor('the camera dialled', () => {
    drone.send(streamInfo(uri, common.VideoStreamType.RTSP));
    return own.connections() > 0;
  }, 10_000);
  expect(t.svc.videoSources.list()[0]).toMatchObject({ from: 'announced', uri, awaitingApproval: false });
});

it('an announcement over a signed link is followed unasked, wherever it points', async () => {
  const elsewhere = await listener('127.0.0.2');
  const { t, drone } = await serviceWithDrone('station-signing-passphrase');
  const uri = `rtsp://127.0.0.2:${elsewhere.port}/x`;
  await waitFor('the camera dialled', () => {
    drone.send(streamInfo(uri, common.VideoStreamType.RTSP));
    return elsewhere.connections() > 0;
  }, 10_000);
  expect(t.svc.videoSources.list()[0]).toMatchObject({ from: 'announced', uri, awaitingApproval: false });
});

it('an announced RTP port of a drone on loopback is bound on loopback only: a datagram to another address of this machine is not heard', async () => {
  const { t, drone, id } = await serviceWithDrone();
  const rtpPort = await freeUdpPort();
  await waitFor('the port bound', () => {
    drone.send(streamInfo(String(rtpPort), common.VideoStreamType.RTPUDP));
    return t.svc.videoSources.sourceFor(id) !== undefined;
  }, 10_000);
  expect(t.svc.videoSources.list()[0]).toMatchObject({ uri: `rtp://127.0.0.1:${rtpPort}`, awaitingApproval: false });
  const sender = dgram.createSocket('udp4');
  cleanup.push(() => sender.close());
  const junk = Buffer.from('not rtp at all');
  const send = (host: string) => new Promise<void>((resolve) => sender.send(junk, rtpPort, host, () => resolve()));
  const other = Object.values((await import('node:os')).networkInterfaces()).flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (other) {
    await send(other);
    await send('127.0.0.1'); // the control: this one is heard, so the first had every chance
    await waitFor('the loopback datagram heard', () => (t.svc.videoSources.sourceFor(id)!.health().badPackets ?? 0) >= 1, 5_000);
    expect(t.svc.videoSources.sourceFor(id)!.health().badPackets).toBe(1);
  }
});
