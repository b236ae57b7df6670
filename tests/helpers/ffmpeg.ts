import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'vitest';
import { findFfmpeg } from '../../server/sim/ffmpeg.ts';

/** The encoder every video test uses: the optional npm ffmpeg (CI installs optional dependencies). */
export const FFMPEG = findFfmpeg().path;

if (!FFMPEG && process.env.CI) throw new Error(`CI must run the video tests, but ffmpeg is missing: ${findFfmpeg().why}`);

/** describe() for tests that need ffmpeg: skipped, and named so, where it is absent. */
export function describeWithFfmpeg(name: string, fn: () => void): void {
  if (FFMPEG) describe(name, fn);
  else describe.skip(`${name} [skipped: needs the optional @ffmpeg-installer/ffmpeg, absent here]`, fn);
}

/** The encoder settings the tests share: a moving test picture, x264 for live (no B-frames). */
export function x264(o: { size?: string; fps?: number; gop?: number; profile?: string; extra?: string[] } = {}): string[] {
  return [
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${o.size ?? '320x240'}:rate=${o.fps ?? 25}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-profile:v',
    o.profile ?? 'baseline',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(o.gop ?? 25),
    ...(o.extra ?? []),
  ];
}

/** Run ffmpeg to the end; rejects with its error output. */
export function runFfmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(FFMPEG!, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** Encode `frames` frames to an Annex B file (H.264 or H.265) in a fresh temp folder; its path. */
export async function encodeFile(frames: number, args: string[], ext = 'h264'): Promise<string> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-video-')), `clip.${ext}`);
  await runFfmpeg([...args, '-frames:v', String(frames), '-f', ext === 'h264' ? 'h264' : 'hevc', file]);
  return file;
}

/**
 * ffmpeg's own RTP sender: plays `input` (a file, in real time) or encodes `args` live, to
 * 127.0.0.1:port with packets of at most pktSize bytes. Resolves when it has ended; kill() ends it early.
 */
export function sendRtp(o: { port: number; input?: string; args?: string[]; pktSize?: number; sdpFile?: string; seconds?: number }) {
  const source = o.input ? ['-re', '-i', o.input, '-c:v', 'copy'] : ['-re', ...(o.args ?? x264())];
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    ...source,
    ...(o.seconds ? ['-t', String(o.seconds)] : []),
    ...(o.sdpFile ? ['-sdp_file', o.sdpFile] : []),
    '-f',
    'rtp',
    `rtp://127.0.0.1:${o.port}?pkt_size=${o.pktSize ?? 1200}`,
  ];
  const child: ChildProcess = spawn(FFMPEG!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const ended = new Promise<void>((resolve, reject) =>
    child.on('exit', (code, signal) => (code === 0 || signal ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${err}`))))
  );
  ended.catch(() => {});
  return { child, ended, kill: () => child.kill('SIGKILL') };
}
