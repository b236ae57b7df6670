/**
 * The H.264 encoder of the simulator's camera: the static ffmpeg that the optional npm package
 * @ffmpeg-installer/ffmpeg brings (so `npm install` alone gives the demo video, with no system
 * package). Optional: where it is missing (installed with --omit=optional, or a platform it has no
 * build for) the simulator runs without a camera and says so once.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

let found: { path: string | null; why: string } | undefined;

/** The ffmpeg binary's path, or null with why not. */
export function findFfmpeg(): { path: string | null; why: string } {
  if (found) return found;
  try {
    const pkg = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string };
    found = fs.existsSync(pkg.path) ? { path: pkg.path, why: '' } : { path: null, why: `${pkg.path} is missing` };
  } catch (err) {
    found = { path: null, why: `the optional package @ffmpeg-installer/ffmpeg is not installed (${(err as Error).message.split('\n')[0]})` };
  }
  return found;
}
