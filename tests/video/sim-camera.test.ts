import { common } from 'node-mavlink';
import { expect, it } from 'vitest';
import { nalType } from '../../server/video/nal.ts';
import { UdpVideoSource } from '../../server/video/udp-source.ts';
import type { AccessUnit } from '../../server/video/types.ts';
import { readCaptureStamp } from '../../server/wire/capture-stamp.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { waitFor } from '../helpers/wait.ts';
import { GroundStation } from '../sim/gcs.ts';

const cleanup = cleanupAfterEach();
const { MavCmd, MavResult } = common;

describeWithFfmpeg('the simulator’s camera', () => {
  it('sends real H.264 over RTP/UDP: SPS/PPS before each key picture, a capture stamp in every picture', async () => {
    const source = await UdpVideoSource.open('rtp://127.0.0.1:0');
    cleanup.push(() => source.close());
    const units: { unit: AccessUnit; arrived: number }[] = [];
    source.onUnit((unit) => units.push({ unit, arrived: performance.timeOrigin + performance.now() }));
    const gcs = await GroundStation.open();
    cleanup.push(() => gcs.close());
    const started = Date.now();
    const squadron = await gcs.squadron({ count: 1, camera: { basePort: source.port, width: 320, height: 180, fps: 25, gopS: 1 } });
    cleanup.push(() => squadron.close());

    await waitFor('60 pictures (two key pictures)', () => units.filter((u) => u.unit.key).length >= 2 && units.length >= 60, 20_000);
    expect(source.parameterSets()).toMatchObject({ codec: 'h264', width: 320, height: 180 });
    expect(source.health()).toMatchObject({ state: 'live', badPackets: 0, lostPackets: 0 });
    for (const { unit, arrived } of units) {
      const types = unit.nals.map((n) => nalType('h264', n));
      if (unit.key) expect(types.slice(0, 3)).toEqual([7, 8, 6]); // SPS, PPS, then the stamp
      const stamps = unit.nals.map(readCaptureStamp).filter((s) => s !== null);
      expect(stamps.length).toBe(1);
      // stamped by the sender after we started it and before this picture arrived (one clock, one machine)
      expect(stamps[0]).toBeGreaterThanOrEqual(started);
      expect(stamps[0]).toBeLessThanOrEqual(arrived);
    }
    // 25 fps apart on the RTP clock
    expect(units[1]!.unit.pts90k - units[0]!.unit.pts90k).toBe(3600);
  });

  it('an encoder that dies is said and started again after 3 s; the stream goes on from a key picture, its clock still growing', async () => {
    const source = await UdpVideoSource.open('rtp://127.0.0.1:0');
    cleanup.push(() => source.close());
    const units: AccessUnit[] = [];
    source.onUnit((u) => units.push(u));
    const said: string[] = [];
    const gcs = await GroundStation.open();
    cleanup.push(() => gcs.close());
    const squadron = await gcs.squadron({ count: 1, camera: { basePort: source.port, width: 320, height: 180, log: (l) => said.push(l) } });
    cleanup.push(() => squadron.close());
    const camera = squadron.drones[0]!.camera!;
    await waitFor('pictures', () => units.length >= 10, 20_000);
    const first = camera.encoderPid!;
    process.kill(first, 'SIGKILL');
    await waitFor('the death said', () => said.some((l) => /the encoder stopped \(SIGKILL\); again in 3 s/.test(l)));
    const before = units.length;
    await waitFor('pictures again', () => units.length >= before + 10, 20_000);
    expect(camera.encoderPid).not.toBe(first);
    expect(units[before]!.key).toBe(true);
    expect(units[before]!.pts90k).toBeGreaterThan(units[before - 1]!.pts90k);
    expect(source.health()).toMatchObject({ state: 'live', restarts: 0, lostPackets: 0 }); // the same sender, its clock going on
  });

  it('answers REQUEST_MESSAGE for VIDEO_STREAM_INFORMATION with its RTP port, as ArduPilot does for an attached camera; FAILED without one', async () => {
    const gcs = await GroundStation.open();
    cleanup.push(() => gcs.close());
    const squadron = await gcs.squadron({ count: 2, camera: { basePort: 47_310, width: 320, height: 180 } });
    cleanup.push(() => squadron.close());
    for (const sysid of [1, 2]) {
      await gcs.waitMsg(sysid, 'HEARTBEAT', () => true, 5_000);
      const since = gcs.mark();
      expect((await gcs.command(sysid, MavCmd.REQUEST_MESSAGE, [common.VideoStreamInformation.MSG_ID])).result).toBe(MavResult.ACCEPTED);
      const info = await gcs.waitMsg<common.VideoStreamInformation>(sysid, 'VIDEO_STREAM_INFORMATION', () => true, 5_000, since);
      expect(info).toMatchObject({
        uri: String(47_310 + sysid - 1),
        type: common.VideoStreamType.RTPUDP,
        encoding: common.VideoStreamEncoding.H264,
        resolutionH: 320,
        resolutionV: 180,
        cameraDeviceId: 1,
      });
    }
    const plain = await GroundStation.open();
    cleanup.push(() => plain.close());
    const without = await plain.squadron({ count: 1, sysidBase: 9 });
    cleanup.push(() => without.close());
    await plain.waitMsg(9, 'HEARTBEAT', () => true, 5_000);
    expect((await plain.command(9, MavCmd.REQUEST_MESSAGE, [common.VideoStreamInformation.MSG_ID])).result).toBe(MavResult.FAILED);
  });
});
