import { common, minimal, type MavLinkData } from 'node-mavlink';
import { expect, it } from 'vitest';
import { Connection } from '../../server/links/connection.ts';
import { Fleet } from '../../server/vehicles/fleet.ts';
import { VideoStreamAnnouncements, type AnnouncedStream } from '../../server/vehicles/video-streams.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { memoryLinkPair } from '../helpers/memory-link.ts';

const cleanup = cleanupAfterEach();
const { MavCmd, MavResult } = common;

/**
 * A drone on an in-process link (fake clock): its autopilot (compid 1) and, when asked for, a
 * MAVLink camera (compid 100) beside it on the same link, both through real Connections.
 */
async function drone(autopilot: number, answer: Record<number, (attempt: number, ack: (r: number) => MavLinkData) => MavLinkData[]> = {}) {
  const fc = fakeClock();
  const [groundLink, droneLink] = memoryLinkPair(fc.clock, 10);
  const fleet = new Fleet({ sysid: 255, compid: 190 }, { clock: fc.clock });
  fleet.addConnection(new Connection('mem', groundLink, { sysid: 255, compid: 190 }));
  const ap = new Connection('ap', droneLink, { sysid: 1, compid: 1 });
  const cam = new Connection('cam', droneLink, { sysid: 1, compid: 100 });
  await groundLink.open();
  await droneLink.open();
  const streams = new VideoStreamAnnouncements(fleet, fc.clock);
  const announced: AnnouncedStream[][] = [];
  streams.on('announced', (_v, s) => announced.push(s));
  cleanup.push(() => {
    streams.close();
    fleet.close();
  });
  /** REQUEST_MESSAGE(269) each component received */
  const asked: { compid: number; at: number }[] = [];
  const beat = (conn: Connection, type: number, ap: number) => {
    const hb = new minimal.Heartbeat();
    Object.assign(hb, { type, autopilot: ap, baseMode: 0, customMode: 0, systemStatus: minimal.MavState.STANDBY, mavlinkVersion: 3 });
    conn.send(hb);
  };
  for (const [conn, compid] of [[ap, 1], [cam, 100]] as const) {
    conn.on('message', ({ msg }) => {
      if (!(msg instanceof common.CommandLong) || msg.command !== MavCmd.REQUEST_MESSAGE || msg.targetComponent !== compid) return;
      asked.push({ compid, at: fc.elapsed() });
      for (const m of answer[compid]?.(msg.confirmation, ack) ?? []) conn.send(m);
    });
  }
  const ack = (result: number): MavLinkData =>
    Object.assign(new common.CommandAck(), { command: MavCmd.REQUEST_MESSAGE, result, targetSystem: 255, targetComponent: 190 });
  beat(ap, minimal.MavType.QUADROTOR, autopilot);
  fc.every(1000, () => beat(ap, minimal.MavType.QUADROTOR, autopilot));
  await fc.advance(50);
  return { fc, asked, announced, ap, cameraOn: () => fc.every(1000, () => beat(cam, minimal.MavType.CAMERA, minimal.MavAutopilot.INVALID)) };
}

function info(uri: string, type = common.VideoStreamType.RTSP): common.VideoStreamInformation {
  return Object.assign(new common.VideoStreamInformation(), {
    streamId: 1,
    count: 1,
    type,
    flags: common.VideoStreamStatusFlags.RUNNING,
    framerate: 30,
    bitrate: 4_000_000,
    resolutionH: 1920,
    resolutionV: 1080,
    rotation: 0,
    hfov: 80,
    name: 'ZR10',
    uri,
    encoding: common.VideoStreamEncoding.H265,
    cameraDeviceId: 0,
  });
}

it('PX4: the autopilot is not asked; a MAVLink camera component is, once it is heard, and asked again when its answer is lost', async () => {
  const d = await drone(minimal.MavAutopilot.PX4, {
    100: (attempt, ack) => (attempt === 0 ? [] : [ack(MavResult.ACCEPTED), info('rtsp://192.168.144.25:8554/main.264')]),
  });
  await d.fc.advance(5000);
  expect(d.asked).toEqual([]); // PX4 leaves cameras to their own components
  d.cameraOn();
  await d.fc.advance(5000);
  expect(d.asked.map((a) => a.compid)).toEqual([100, 100]); // the first went unanswered; the second 1.5 s later
  expect(d.asked[1]!.at - d.asked[0]!.at).toBe(1500);
  expect(d.announced).toEqual([[
    expect.objectContaining({
      compid: 100,
      type: 'rtsp',
      uri: 'rtsp://192.168.144.25:8554/main.264',
      encoding: 'h265',
      width: 1920,
      height: 1080,
      running: true,
    }),
  ]]);
});

it('ArduPilot: the autopilot is asked when found; FAILED (no camera) ends the asking; a stream announced unasked later is taken', async () => {
  const d = await drone(minimal.MavAutopilot.ARDUPILOTMEGA, { 1: (_attempt, ack) => [ack(MavResult.FAILED)] });
  await d.fc.advance(10_000);
  expect(d.asked.map((a) => a.compid)).toEqual([1]);
  expect(d.announced).toEqual([]);
  // a companion computer sending it every second through the autopilot's link (RTP/UDP: the port)
  d.ap.send(info('5600', common.VideoStreamType.RTPUDP));
  await d.fc.advance(100);
  expect(d.announced).toEqual([[expect.objectContaining({ compid: 1, type: 'rtpudp', uri: '5600' })]]);
  d.ap.send(info('5600', common.VideoStreamType.RTPUDP));
  await d.fc.advance(100);
  expect(d.announced).toHaveLength(1); // the same again is no news
});
