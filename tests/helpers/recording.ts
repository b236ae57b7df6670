/**
 * What a recorded MP4 holds, as a real decoder sees it: ffmpeg decodes every picture (framecrc:
 * one line per decoded picture with its time) and says any error it met. For the recording tests:
 * the files must play with any player, so they are judged by one.
 */
import { spawnSync } from 'node:child_process';
import { FFMPEG } from './ffmpeg.ts';

export interface Decoded {
  /** presentation times of the decoded pictures, seconds, in order */
  times: number[];
  /** from the first picture's start to the last one's end */
  durationS: number;
  /** what ffmpeg said at level error (empty: decoded cleanly) */
  errors: string;
}

export function decodeVideo(file: string): Decoded {
  const r = spawnSync(FFMPEG!, ['-hide_banner', '-loglevel', 'error', '-i', file, '-f', 'framecrc', '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) return { times: [], durationS: 0, errors: r.stderr || `ffmpeg exited ${r.status}` };
  const tb = /#tb 0: (\d+)\/(\d+)/.exec(r.stdout);
  const unit = tb ? Number(tb[1]) / Number(tb[2]) : 1;
  const frames = r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').map((f) => f.trim()));
  const times = frames.map((f) => Number(f[2]) * unit);
  const last = frames.at(-1);
  const durationS = last ? (Number(last[2]) + Number(last[3])) * unit - times[0]! : 0;
  return { times, durationS, errors: r.stderr.trim() };
}

/** The longest time between two decoded pictures, seconds: where a gap is. */
export function longestPause(times: number[]): { at: number; s: number } {
  let best = { at: 0, s: 0 };
  for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! > best.s) best = { at: times[i - 1]!, s: times[i]! - times[i - 1]! };
  return best;
}

/** A UDP port free on every address right now (a simulated camera's: the service binds it on 0.0.0.0). */
export async function freeUdpPort(): Promise<number> {
  const dgram = await import('node:dgram');
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '0.0.0.0', () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
