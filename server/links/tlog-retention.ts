import fs from 'node:fs';
import path from 'node:path';

/** Files written within this long are the live ones: never removed. */
const LIVE_MS = 3600_000;

/**
 * Keep the telemetry-log folder within an age and a total size: the oldest logs go first.
 * Returns the names removed.
 */
export function pruneTlogs(dir: string, maxAgeDays: number, maxTotalMB: number, now = Date.now()): string[] {
  let files: { name: string; mtime: number; size: number }[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.tlog')).map((name) => {
      const st = fs.statSync(path.join(dir, name));
      return { name, mtime: st.mtimeMs, size: st.size };
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  files.sort((a, b) => a.mtime - b.mtime);
  let total = files.reduce((n, f) => n + f.size, 0);
  const removed: string[] = [];
  for (const f of files) {
    if (now - f.mtime < LIVE_MS) break;
    const tooOld = now - f.mtime > maxAgeDays * 86_400_000;
    const tooBig = total > maxTotalMB * 1024 * 1024;
    if (!tooOld && !tooBig) continue;
    fs.rmSync(path.join(dir, f.name), { force: true });
    total -= f.size;
    removed.push(f.name);
  }
  return removed;
}
