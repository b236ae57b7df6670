/**
 * Fragmented MP4 from whole pictures, checked by a real decoder: ffmpeg's H.264/H.265 encoder makes
 * a clip, server/video/fmp4.ts wraps its pictures (init segment + one fragment per picture, the
 * parameter sets only in the init segment), and ffmpeg decodes the result. Every picture must come
 * out, and pixel for pixel the same as decoding the encoder's own stream: nothing re-encoded,
 * nothing lost, the decoder configured from avcC/hvcC alone.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { avcCodecs, breaksTimeline, Fragmenter, initSegment } from '../../server/video/fmp4.ts';
import { hevcProfile } from '../../server/video/hevc.ts';
import type { VideoCodec } from '../../server/video/types.ts';
import { describeWithFfmpeg, FFMPEG } from '../helpers/ffmpeg.ts';
import { encodeClip } from '../helpers/video-feed.ts';

/** Per decoded picture, the MD5 of its pixels (ffmpeg's framemd5 muxer), in order. */
function decodedFrames(file: string, format?: string): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', ...(format ? ['-f', format] : []), '-i', file, '-f', 'framemd5', '-'];
  const out = execFileSync(FFMPEG!, args, { encoding: 'utf8' });
  return out.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').at(-1)!.trim());
}

function muxed(codec: VideoCodec) {
  const clip = encodeClip({ codec, seconds: 2, gop: 10 });
  const init = initSegment(clip.parameterSets);
  const fragmenter = new Fragmenter(900_000);
  const fragments = clip.pictures.map((p, i) => fragmenter.fragment({ codec, nals: p.nals, key: p.key, pts90k: 900_000 + i * 3600, arrivedMs: 0 }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-fmp4-'));
  const mp4 = path.join(dir, 'out.mp4');
  const raw = path.join(dir, `raw.${codec}`);
  fs.writeFileSync(mp4, Buffer.concat([init.segment, ...fragments]));
  fs.writeFileSync(raw, clip.annexB);
  return { clip, init, fragments, mp4, raw };
}

describeWithFfmpeg('fragmented MP4 decoded by ffmpeg', () => {
  it("H.264: every picture decodes, identical to the encoder's own stream", () => {
    const { clip, init, mp4, raw } = muxed('h264');
    expect(init.codecs).toBe(avcCodecs(clip.parameterSets.sps));
    expect(init.codecs).toMatch(/^avc1\.42[0-9a-f]{4}$/); // constrained baseline, as encoded
    const expected = decodedFrames(raw, 'h264');
    expect(expected.length).toBe(50);
    expect(decodedFrames(mp4)).toEqual(expected);
  });

  it('H.265: hvcC alone configures the decoder; every picture decodes, identical', () => {
    const { clip, init, mp4, raw } = muxed('h265');
    const profile = hevcProfile(clip.parameterSets.sps);
    expect(profile).toMatchObject({ profileIdc: 1, chromaFormat: 1, bitDepthLuma: 8, bitDepthChroma: 8 });
    expect(init.codecs).toMatch(/^hvc1\.1\.6\.L\d+\.[0-9A-F]{2}/);
    expect(init.segment.includes(Buffer.from('hvcC'))).toBe(true);
    expect(init.segment.includes(Buffer.from('avcC'))).toBe(false);
    const expected = decodedFrames(raw, 'hevc');
    expect(expected.length).toBe(50);
    expect(decodedFrames(mp4)).toEqual(expected);
  });

  it("a fragment carries the picture's decode time on the stream's timeline and marks key pictures as sync samples", () => {
    const { fragments, clip } = muxed('h264');
    const tfdt = (f: Buffer) => Number(f.readBigUInt64BE(f.indexOf('tfdt') + 8));
    // trun: version/flags (4), sample count (4), data offset (4), then duration, size, flags of the one sample
    const sampleFlags = (f: Buffer) => f.readUInt32BE(f.indexOf('trun') + 4 + 12 + 8);
    expect(tfdt(fragments[0]!)).toBe(0);
    expect(tfdt(fragments[7]!)).toBe(7 * 3600);
    expect(clip.pictures[0]!.key && !clip.pictures[1]!.key).toBe(true);
    expect(sampleFlags(fragments[0]!) & 0x10000).toBe(0); // sample_is_non_sync_sample clear
    expect(sampleFlags(fragments[1]!) & 0x10000).toBe(0x10000);
    // no parameter sets inside the samples: they live in the init segment
    const mdat = fragments[0]!.subarray(fragments[0]!.indexOf('mdat') + 4);
    const types: number[] = [];
    for (let at = 0; at < mdat.length; at += 4 + mdat.readUInt32BE(at)) types.push(mdat[at + 4]! & 0x1f);
    expect(clip.pictures[0]!.nals.map((n) => n[0]! & 0x1f)).toEqual(expect.arrayContaining([7, 8, 5]));
    expect(types).toContain(5); // the IDR slice, length-prefixed
    expect(types.filter((t) => t === 7 || t === 8 || t === 9)).toEqual([]);
  });
});

describe('timeline', () => {
  it('a step back or a leap of more than 10 s starts a new one; a lost picture does not', () => {
    expect(breaksTimeline(undefined, 5)).toBe(false);
    expect(breaksTimeline(90_000, 93_600)).toBe(false);
    expect(breaksTimeline(90_000, 90_000 + 5 * 3600)).toBe(false);
    expect(breaksTimeline(90_000, 80_000)).toBe(true);
    expect(breaksTimeline(90_000, 90_000 + 11 * 90_000)).toBe(true);
  });
});
