import dgram from 'node:dgram';
import { common } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { Connection, type Incoming } from '../../server/links/connection.ts';
import { createLink } from '../../server/links/create.ts';
import type { UdpInLink } from '../../server/links/udp.ts';
import { startSquadron } from '../../server/sim/squadron.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { scriptedPeer } from '../helpers/peer.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

const PASSPHRASE = 'wenling-patrol-2026+&key';
const KEY = `key=${encodeURIComponent(PASSPHRASE)}`;
const GUIDED = 4;
const STABILIZE = 0;

/** The service with one signed UDP link, and a watcher's token for the API. */
async function signedStation() {
  const t = await testService({ links: [`udpin://127.0.0.1:0?${KEY}`] });
  cleanup.push(() => t.close());
  const conn = t.svc.fleet.connections.get('l1')!;
  const token = await t.user('room', ['command']);
  return { t, conn, port: (conn.link as UdpInLink).boundPort, token };
}

/** Simulated ArduCopters, GPS fixed from the start, sending to `link`. */
async function drones(link: string, count = 1) {
  const sq = await startSquadron({ count, link, seed: 7, bootDelayS: 0, gpsFixDelayS: 0 });
  cleanup.push(() => sq.close());
  return sq;
}

/** A ground-side MAVLink endpoint on a real socket (sysid 255/190), keeping what it hears. */
async function endpoint(uri: string) {
  const link = createLink(uri);
  const conn = new Connection('gs', link, { sysid: 255, compid: 190 });
  const heard: Incoming[] = [];
  conn.on('message', (m) => heard.push(m));
  await link.open();
  cleanup.push(() => conn.close());
  return { conn, heard, acks: () => heard.filter((m) => m.msg instanceof common.CommandAck).map((m) => m.msg as common.CommandAck) };
}

function setMode(mode: number): common.CommandLong {
  return Object.assign(new common.CommandLong(), {
    targetSystem: 1,
    targetComponent: 1,
    command: common.MavCmd.DO_SET_MODE,
    _param1: 1,
    _param2: mode,
    _param3: 0,
    _param4: 0,
    _param5: 0,
    _param6: 0,
    _param7: 0,
  });
}

/**
 * A UDP hop between a drone and the station that forwards both ways and keeps a copy of every
 * datagram the drone sends, as anyone with a receiver on the drone's frequency could.
 */
async function eavesdropper(stationPort: number) {
  const fromDrone = dgram.createSocket('udp4');
  const toStation = dgram.createSocket('udp4');
  const heard: Buffer[] = [];
  let drone: dgram.RemoteInfo | null = null;
  fromDrone.on('message', (msg, from) => {
    drone = from;
    heard.push(Buffer.from(msg));
    toStation.send(msg, stationPort, '127.0.0.1');
  });
  toStation.on('message', (msg) => {
    if (drone) fromDrone.send(msg, drone.port, drone.address);
  });
  await Promise.all([fromDrone, toStation].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
  cleanup.push(() => {
    fromDrone.close();
    toStation.close();
  });
  return { port: fromDrone.address().port, heard };
}

/** Send raw datagrams from a socket of their own (the attacker's). */
async function sendRaw(port: number, datagrams: Buffer[]): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  for (const d of datagrams) await new Promise((r) => s.send(d, port, '127.0.0.1', r));
  s.close();
}

describe('a signed link between the station and a simulated drone', () => {
  it('with the same key both ways the drone appears and a command works; the key never shows', async () => {
    const { t, conn, port, token } = await signedStation();
    const sq = await drones(`udpout://127.0.0.1:${port}?${KEY}`);
    const v = await waitFor('signed drone on the map', () => t.svc.fleet.get('l1-1')?.position && t.svc.fleet.get('l1-1'));

    const acks: common.CommandAck[] = [];
    t.svc.fleet.onMessage(v.id, common.CommandAck, (ack) => {
      acks.push(ack);
    });
    t.svc.fleet.send(v, setMode(GUIDED));
    await waitFor('the drone acknowledges the signed command', () => acks.find((a) => a.command === common.MavCmd.DO_SET_MODE));
    expect(acks[0]!.result).toBe(common.MavResult.ACCEPTED);
    expect(sq.drone(1).status().mode).toBe('GUIDED');
    // both ends checked every packet and dropped none
    expect(sq.drone(1).connection.signatureCounters()).toEqual({ unsigned: 0, badSignature: 0, replayed: 0 });
    expect(conn.signatureCounters()).toEqual({ unsigned: 0, badSignature: 0, replayed: 0 });

    const links = await t.api('GET', '/api/links', token);
    expect(links.body).toEqual([
      expect.objectContaining({ uri: `udpin://127.0.0.1:${port}?key=***`, signing: true, unsigned: 0, badSignature: 0, replayed: 0 }),
    ]);
    const metrics = await t.api('GET', '/metrics');
    expect(metrics.body).toContain(`skybeat_link_signature_rejected_total{link="udpin://127.0.0.1:${port}?key=***",reason="badSignature"} 0`);
    for (const shown of [JSON.stringify(links.body), metrics.body as string, JSON.stringify(await t.api('GET', '/api/vehicles', token))]) {
      expect(shown).not.toContain('wenling-patrol');
      expect(shown).not.toContain(encodeURIComponent(PASSPHRASE));
    }
  });

  it('strangers on the same UDP port are dropped and counted, and the map never shows their positions', async () => {
    const { t, conn, port, token } = await signedStation();
    const tap = await eavesdropper(port);
    const sq = await drones(`udpout://127.0.0.1:${tap.port}?${KEY}`);
    await waitFor('the real drone on the map', () => t.svc.fleet.get('l1-1')?.position);
    const home = sq.drone(1).status();
    const realPeer = t.svc.fleet.get('l1-1')!.peer; // where its commands go
    const shownLats: number[] = [];
    t.svc.fleet.on('changed', (v) => {
      if (v.position) shownLats.push(v.position.lat);
    });

    // Someone unsigned claiming to be drone 1 somewhere else, and a drone signing with another key.
    const spoof = await scriptedPeer(`udpout://127.0.0.1:${port}`, 1, { lat: 28.5 });
    const wrongKey = await scriptedPeer(`udpout://127.0.0.1:${port}?key=not-the-station-key`, 67, { lat: 28.6 });
    cleanup.push(() => spoof.close(), () => wrongKey.close());
    await waitFor('unsigned and badly signed packets counted', () => {
      const c = conn.signatureCounters()!;
      return c.unsigned >= 10 && c.badSignature >= 10;
    });
    await spoof.close();
    await wrongKey.close();

    // The real drone goes quiet; what was overheard from it is sent again from elsewhere.
    await sq.close();
    await new Promise((r) => setTimeout(r, 200)); // its last datagrams arrive
    const heardBefore = t.svc.fleet.get('l1-1')!.lastHeard;
    const replayedBefore = conn.signatureCounters()!.replayed;
    await sendRaw(port, tap.heard);
    await waitFor('every overheard packet refused as replayed', () => conn.signatureCounters()!.replayed - replayedBefore === tap.heard.length);
    expect(tap.heard.length).toBeGreaterThan(10);
    expect(t.svc.fleet.get('l1-1')!.lastHeard).toBe(heardBefore); // not one reached the vehicle

    expect(t.svc.fleet.get('l1-67')).toBeUndefined();
    expect(t.svc.fleet.get('l1-1')!.peer).toBe(realPeer); // the spoof could not divert drone 1's commands to itself
    expect(shownLats.length).toBeGreaterThan(0);
    expect(shownLats.every((lat) => Math.abs(lat - home.lat) < 1e-4)).toBe(true);
    const vehicles = await t.api('GET', '/api/vehicles', token);
    expect(vehicles.body.map((v: { id: string }) => v.id)).toEqual(['l1-1']);
    expect(vehicles.body[0].position.lat).toBeCloseTo(home.lat, 5);
    const [view] = (await t.api('GET', '/api/links', token)).body;
    expect(view).toMatchObject({ signing: true, unsigned: conn.signatureCounters()!.unsigned, badSignature: conn.signatureCounters()!.badSignature });
    expect(view.replayed).toBeGreaterThanOrEqual(tap.heard.length);
    const metrics = (await t.api('GET', '/metrics')).body as string;
    expect(metrics).toMatch(
      new RegExp(`skybeat_link_signature_rejected_total\\{link="udpin://127.0.0.1:${port}\\?key=\\*\\*\\*",reason="replayed"\\} ${view.replayed}`),
    );
  });
});

describe('the simulator with signing on', () => {
  it('ignores unsigned, badly signed and replayed commands, and obeys signed ones', async () => {
    const sq = await drones(`udpin://127.0.0.1:0?${KEY}`);
    const drone = sq.drone(1);
    const at = `udpout://127.0.0.1:${drone.port}`;
    const station = await endpoint(`${at}?${KEY}`);
    const stranger = await endpoint(at);
    const wrongKey = await endpoint(`${at}?key=not-the-station-key`);
    expect(drone.status().mode).toBe('STABILIZE');

    const dropped = () => drone.connection.signatureCounters()!;
    stranger.conn.send(setMode(GUIDED));
    await waitFor('the unsigned command dropped', () => dropped().unsigned === 1);
    wrongKey.conn.send(setMode(GUIDED));
    await waitFor('the badly signed command dropped', () => dropped().badSignature === 1);
    expect(drone.status().mode).toBe('STABILIZE');

    // The station's signed command is obeyed; captured and sent again later, it is not.
    const captured = station.conn.encoder.encode(setMode(GUIDED));
    station.conn.link.send(captured);
    await waitFor('GUIDED', () => drone.status().mode === 'GUIDED');
    station.conn.send(setMode(STABILIZE));
    await waitFor('STABILIZE', () => drone.status().mode === 'STABILIZE');
    stranger.conn.link.send(captured);
    await waitFor('the replayed command dropped', () => dropped().replayed === 1);
    expect(drone.status().mode).toBe('STABILIZE');

    // Only the station's two commands were answered (the drone answers every peer it knows).
    await waitFor('two answers', () => station.acks().length === 2);
    expect(station.acks().map((a) => a.result)).toEqual([common.MavResult.ACCEPTED, common.MavResult.ACCEPTED]);
    expect(dropped()).toEqual({ unsigned: 1, badSignature: 1, replayed: 1 });
    // what the drone sends is signed with the key: the station checked it all and dropped nothing
    expect(station.heard.length).toBeGreaterThan(0);
    expect(station.heard.every((m) => m.frame.signed)).toBe(true);
    expect(station.conn.signatureCounters()).toEqual({ unsigned: 0, badSignature: 0, replayed: 0 });
  });
});
