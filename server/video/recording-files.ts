/**
 * The recordings' files after they are written (recorder.ts writes them): made whole again after
 * a crash, kept within an age and a total size, and joined into one MP4 for a run's export.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Mp4ReadError, readFragmentedMp4, retime } from './fmp4-read.ts';

/** A recorded file as the index lists it. */
export interface RecordedFile {
  id: number;
  /** relative to the recordings folder */
  file: string;
  startedAt: number;
  endedAt: number;
  bytes: number;
}

/** What recovery and retention need of the index (store/recordings.ts). */
export interface RecordingFiles {
  /** files still marked as being written: after a crash, those it was writing */
  unfinished(): Promise<RecordedFile[]>;
  /** finished files, oldest first */
  finished(): Promise<RecordedFile[]>;
  closed(id: number, endedAt: number, bytes: number): Promise<void>;
  remove(id: number): Promise<void>;
}

/**
 * Files a crash left open (kill -9, power cut): each is cut after its last whole fragment, and its
 * end taken from that fragment's own time; one with no whole picture is removed. Run at start,
 * before anything records. Returns what was done, for the log.
 */
export async function recoverRecordings(index: RecordingFiles, dir: string): Promise<string[]> {
  const said: string[] = [];
  for (const r of await index.unfinished()) {
    const file = path.join(dir, r.file);
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await index.remove(r.id);
      said.push(`${r.file}: missing, forgotten`);
      continue;
    }
    let whole;
    try {
      whole = readFragmentedMp4(buf);
    } catch (err) {
      if (!(err instanceof Mp4ReadError)) throw err;
      whole = null;
    }
    const first = whole?.fragments[0];
    const last = whole?.fragments.at(-1);
    if (!whole?.init || !first || !last) {
      fs.rmSync(file, { force: true });
      await index.remove(r.id);
      said.push(`${r.file}: no whole picture, removed`);
      continue;
    }
    if (whole.wholeBytes < buf.length) fs.truncateSync(file, whole.wholeBytes);
    const endedAt = r.startedAt + Math.round((last.decodeTime + last.duration - first.decodeTime) / 90);
    await index.closed(r.id, endedAt, whole.wholeBytes);
    said.push(`${r.file}: ${whole.fragments.length} pictures kept${whole.wholeBytes < buf.length ? `, ${buf.length - whole.wholeBytes} torn bytes cut` : ''}`);
  }
  return said;
}

/**
 * Keep the recordings within an age and a total size: the oldest files go first, those being
 * written never. Returns the files removed.
 */
export async function pruneRecordings(
  index: RecordingFiles,
  dir: string,
  limits: { maxAgeDays: number; maxTotalMB: number },
  now: number,
): Promise<string[]> {
  const [files, open] = await Promise.all([index.finished(), index.unfinished()]);
  let total = files.reduce((n, f) => n + f.bytes, 0) + open.reduce((n, f) => n + f.bytes, 0);
  const removed: string[] = [];
  for (const f of files) {
    const tooOld = now - f.endedAt > limits.maxAgeDays * 86_400_000;
    const tooBig = total > limits.maxTotalMB * 1024 * 1024;
    if (!tooOld && !tooBig) continue;
    fs.rmSync(path.join(dir, f.file), { force: true });
    await index.remove(f.id);
    total -= f.bytes;
    removed.push(f.file);
  }
  return removed;
}

/** The init segment (ftyp + moov) at the head of a recorded file. */
async function initOf(file: string): Promise<Buffer | null> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const init = readFragmentedMp4(head.subarray(0, bytesRead)).init;
    return init ? Buffer.from(head.subarray(0, init.end)) : null;
  } finally {
    await handle.close();
  }
}

/** A run's video as one file: what goes in, and what is left out because it cannot share the first file's decoder setup. */
export interface JoinPlan {
  init: Buffer;
  files: Array<{ file: string; startedAt: number }>;
  leftOut: string[];
}

/**
 * Plans one MP4 of these files (oldest first, absolute paths): the first file's init segment,
 * then the pictures of each file with the same one (a camera that changed its picture size or
 * codec mid-run needs another decoder setup, which one fragmented MP4 track cannot switch to).
 */
export async function planJoin(files: Array<{ file: string; startedAt: number }>): Promise<JoinPlan | null> {
  let init: Buffer | null = null;
  const kept: JoinPlan['files'] = [];
  const leftOut: string[] = [];
  for (const f of files) {
    const head = await initOf(f.file).catch(() => null);
    if (!head) {
      leftOut.push(path.basename(f.file));
      continue;
    }
    init ??= head;
    if (head.equals(init)) kept.push(f);
    else leftOut.push(path.basename(f.file));
  }
  return init && kept.length ? { init, files: kept, leftOut } : null;
}

/**
 * The joined file's bytes: the init segment, then every whole fragment of each file with its
 * decode time moved to the file's place on one timeline (0 = the first file's first picture)
 * and its sequence number continued. Read a file at a time.
 */
export async function* joinRecordings(plan: JoinPlan): AsyncGenerator<Buffer> {
  yield plan.init;
  const origin = plan.files[0]!.startedAt;
  let sequence = 0;
  for (const f of plan.files) {
    const buf = await fs.promises.readFile(f.file);
    const { fragments } = readFragmentedMp4(buf);
    const shift = Math.round((f.startedAt - origin) * 90) - (fragments[0]?.decodeTime ?? 0);
    for (const frag of fragments) retime(buf, frag, frag.decodeTime + shift, ++sequence);
    if (fragments.length) yield buf.subarray(fragments[0]!.start, fragments.at(-1)!.end);
  }
}
