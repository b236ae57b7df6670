/**
 * Pictures of recorded video compared with ffmpeg's own decoding of the file: how the browser
 * tests tell that the picture a replay shows is the camera's picture of that moment.
 */
import { spawnSync } from 'node:child_process';
import { FFMPEG } from './ffmpeg.ts';

/** ffmpeg's picture of `file` (w × h) at `seconds` from its start, as RGB bytes. */
export function ffmpegFrame(file: string, seconds: number, w: number, h: number): Buffer {
  const r = spawnSync(FFMPEG!, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-ss',
    seconds.toFixed(3),
    '-i',
    file,
    '-frames:v',
    '1',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ], {
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0 || r.stdout.length !== w * h * 3) throw new Error(`ffmpeg frame at ${seconds} s of ${file}: ${r.stderr}`);
  return r.stdout;
}

/** Mean absolute difference of two RGB pictures, 0-255. */
export const difference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};

/** How far a picture is from ffmpeg's pictures of the file at `s`, two pictures before and after it, and 2 s before. */
export function nearest(frame: number[], file: string, s: number, w: number, h: number) {
  const at = (x: number) => difference(frame, ffmpegFrame(file, x, w, h));
  return { same: at(s), before: at(s - 0.08), after: at(s + 0.08), earlier: at(s - 2) };
}
