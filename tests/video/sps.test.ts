import { expect, it } from 'vitest';
import { parameterSetKind, splitAnnexB } from '../../server/video/nal.ts';
import { pictureSize } from '../../server/video/sps.ts';
import { describeWithFfmpeg, encodeFile, x264 } from '../helpers/ffmpeg.ts';
import { readFile } from './rtp-capture.ts';

async function spsOf(codec: 'h264' | 'h265', args: string[]): Promise<Buffer> {
  const file = await encodeFile(1, args, codec === 'h264' ? 'h264' : 'hevc');
  const sps = splitAnnexB(readFile(file)).find((n) => parameterSetKind(codec, n) === 'sps');
  if (!sps) throw new Error('ffmpeg wrote no SPS');
  return sps;
}

describeWithFfmpeg('picture size from the SPS', () => {
  it.each([
    ['1280x720', 'baseline'],
    ['960x540', 'baseline'], // 540 is not a multiple of 16: cropped
    ['320x180', 'main'],
    ['642x362', 'high'], // odd multiples of 2 on both sides
  ])('H.264 %s (%s profile)', async (size, profile) => {
    const sps = await spsOf('h264', x264({ size, profile }));
    const [w, h] = size.split('x').map(Number);
    expect(pictureSize('h264', sps)).toEqual({ width: w, height: h });
  });

  it('H.264 4:4:4 with a scaling matrix read past (High 4:4:4 Predictive)', async () => {
    const sps = await spsOf('h264', [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=200x104:rate=25',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv444p',
      '-x264-params',
      'cqm=jvt',
    ]);
    expect(sps[1]).toBe(244);
    expect(pictureSize('h264', sps)).toEqual({ width: 200, height: 104 });
  });

  it('H.264 interlaced (frame_mbs_only_flag 0: heights count field pairs)', async () => {
    const sps = await spsOf('h264', [...x264({ size: '720x576', profile: 'main' }), '-flags', '+ildct+ilme']);
    expect(pictureSize('h264', sps)).toEqual({ width: 720, height: 576 });
  });

  it.each(['1280x720', '320x180', '966x546'])('H.265 %s', async (size) => {
    const sps = await spsOf('h265', [
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${size}:rate=25`,
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=error',
    ]);
    const [w, h] = size.split('x').map(Number);
    expect(pictureSize('h265', sps)).toEqual({ width: w, height: h });
  });

  it('throws on a cut-short SPS instead of giving a size', async () => {
    const sps = await spsOf('h264', x264({ size: '1280x720' }));
    expect(() => pictureSize('h264', sps.subarray(0, 6))).toThrow(/ends early/);
  });
});
