/**
 * Recording a drone's camera while it flies a run (a patrol, a drone to the scene): its pictures,
 * as the camera coded them, into fragmented MP4 files beside the runs' records. Nothing is
 * re-encoded: each picture becomes one moof + mdat fragment (fmp4.ts), the same bytes a viewer gets.
 *
 * Why segments of about a minute, each a whole fMP4 file (its own init segment, its timeline from
 * 0), each starting at a key picture:
 * - a file is playable up to its last whole fragment, and every picture is written (to the page
 *   cache, synchronously, as it arrives), so a kill -9 or a power cut loses at most the picture in
 *   flight; recovery at start cuts a torn last fragment off (recording-files.ts);
 * - a player seeks inside a minute at once, and a replay fetches only the minutes it shows;
 * - retention removes whole minutes, oldest first.
 * A file starts at the first key picture after `segmentMs`, or when a run starts or ends for the
 * drone (so each run's video begins and ends within a key-picture interval of the run).
 *
 * A gap in the source (no picture for `gapMs`, the source going stale or away, a camera restarted
 * with a new clock) ends the file at its last picture; the next file starts with the next key
 * picture. The time between is in no file: a gap is recorded as a gap, never as a frozen picture.
 * Each file's wall-clock start is kept in the index (the database), so a replay puts its
 * pictures at the moment they were taken; files that follow each other without a gap continue the
 * camera's own clock, so joined end to end their timeline neither overlaps nor jumps.
 *
 * The pictures never wait on the database: a file is opened and written at once, and its index
 * row follows (added, grown, closed) in order per file, behind it (IndexWrites); a write the
 * database refuses is logged, and the file is kept on disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { breaksTimeline, Fragmenter, initSegment } from './fmp4.ts';
import type { AccessUnit, ParameterSets, SourceHealth, VideoCodec, VideoSource } from './types.ts';

/** A file the recorder has begun, as the index keeps it. */
export interface SegmentOpening {
  vehicleId: string;
  /** relative to the recordings folder: DRONE/STAMP.mp4 */
  file: string;
  /** wall clock (ms) of its first picture */
  startedAt: number;
  codec: VideoCodec;
  /** the MIME type with codecs, for the browser's MediaSource.addSourceBuffer */
  mime: string;
  width: number;
  height: number;
}

/** Where the recorder keeps its list of files (the database: store/recordings.ts). */
export interface RecordingIndex {
  /** the new file's row: its id */
  opened(s: SegmentOpening): Promise<number>;
  /** written so far (now and then while it records, so a crash leaves the index near the truth) */
  grew(id: number, endedAt: number, bytes: number): Promise<void>;
  closed(id: number, endedAt: number, bytes: number): Promise<void>;
}

export interface RecorderSettings {
  /** the recordings folder: DRONE/STAMP.mp4 under it */
  dir: string;
  /** a new file at the first key picture after this long (default 60 s) */
  segmentMs: number;
  /** no picture for this long is a gap (default 2 s: when a source is called stale) */
  gapMs: number;
}

export const DEFAULT_RECORDER = { segmentMs: 60_000, gapMs: 2000 };

const keyOf = (ps: ParameterSets) => [ps.codec, ps.vps?.toString('hex') ?? '', ps.sps.toString('hex'), ps.pps.toString('hex')].join(':');
/** "2026-12-03T17-28-31-123Z": sorts by time, and is a file name everywhere */
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[:.]/g, '-');
/** a vehicle id as a folder name (ids are letters, digits, '-', '_' and '.', but a name never climbs) */
const folderOf = (vehicleId: string) => vehicleId.replace(/[^\w.-]/g, '_').replace(/^\.+/, '_');

/**
 * One file's row in the index, written behind the pictures and in order: added, grown, closed.
 * Growth waiting its turn is only the latest figures (a slow database holds back at most one),
 * and a row the database never added is not grown or closed (its file stays on disk, said in the log).
 */
class IndexWrites {
  private last: Promise<number | null>;
  private growth: { endedAt: number; bytes: number } | null = null;

  constructor(private readonly r: VideoRecorder, opening: SegmentOpening, private readonly problem: (line: string) => void) {
    this.last = r.pending(
      r.index.opened(opening).catch((err: unknown) => {
        problem(`${opening.file} is recorded but not in the recordings' index: ${(err as Error).message}`);
        return null;
      }),
    );
  }

  grew(endedAt: number, bytes: number): void {
    const queued = this.growth !== null;
    this.growth = { endedAt, bytes };
    if (queued) return;
    this.then(async (id) => {
      const g = this.growth;
      this.growth = null;
      if (g) await this.r.index.grew(id, g.endedAt, g.bytes); // (none: the file closed meanwhile, with the last figures)
    });
  }

  closed(endedAt: number, bytes: number): void {
    this.growth = null;
    this.then((id) => this.r.index.closed(id, endedAt, bytes));
  }

  private then(write: (id: number) => Promise<void>): void {
    this.last = this.r.pending(this.last.then(async (id) => {
      if (id === null) return null;
      try {
        await write(id);
      } catch (err) {
        this.problem(`the recordings' index: ${(err as Error).message}`);
      }
      return id;
    }));
  }
}

class Segment {
  bytes = 0;
  lastPts: number;
  /** the last gap between pictures: the last picture's duration */
  interval = 3000;
  lastArrived: number;
  private lastSaved: number;

  constructor(
    readonly row: IndexWrites,
    readonly fd: number,
    readonly startedAt: number,
    readonly firstPts: number,
    readonly psKey: string,
    readonly fragmenter: Fragmenter,
    first: AccessUnit,
  ) {
    this.lastPts = first.pts90k;
    this.lastArrived = first.arrivedMs;
    this.lastSaved = first.arrivedMs;
  }

  /** wall clock of the picture with this pts (the camera's clock, from the file's start) */
  at(pts90k: number): number {
    return this.startedAt + (pts90k - this.firstPts) / 90;
  }

  endMs(): number {
    return Math.round(this.at(this.lastPts + this.interval));
  }

  saveDue(now: number): boolean {
    if (now - this.lastSaved < 1000) return false;
    this.lastSaved = now;
    return true;
  }
}

/** One drone: why it records (its runs), its source, the file open. */
class DroneRecorder {
  readonly reasons = new Set<string>();
  source: VideoSource | null = null;
  private off: Array<() => void> = [];
  segment: Segment | null = null;
  /** start a new file at the next key picture (a run started or ended) */
  cut = false;
  /** the last failure to write, said once until it changes */
  private lastProblem = '';

  constructor(readonly vehicleId: string, private readonly r: VideoRecorder) {}

  get recording(): boolean {
    return this.reasons.size > 0;
  }

  attach(source: VideoSource | null): void {
    for (const off of this.off) off();
    this.off = [];
    this.finish();
    this.source = source;
    if (!source) return;
    this.off = [
      source.onUnit((u) => this.unit(u)),
      // a source that stops being live has a gap from its last picture on
      source.onHealth((h: SourceHealth) => {
        if (h.state !== 'live') this.finish();
      }),
    ];
  }

  unit(u: AccessUnit): void {
    if (!this.recording) return;
    const ps = this.source?.parameterSets();
    if (!ps || ps.codec !== u.codec) return;
    let seg = this.segment;
    if (seg && (u.arrivedMs - seg.lastArrived > this.r.settings.gapMs || breaksTimeline(seg.lastPts, u.pts90k))) {
      this.finish();
      seg = null;
    }
    if (seg && u.key && (this.cut || keyOf(ps) !== seg.psKey || u.arrivedMs - seg.startedAt >= this.r.settings.segmentMs)) {
      // The next file goes on from this one on the camera's clock: no overlap, no jump between them.
      const startedAt = seg.at(u.pts90k);
      this.finish(Math.round(startedAt));
      seg = this.open(u, ps, startedAt);
    } else if (!seg) {
      // A file can only start where a decoder can: at a key picture.
      if (!u.key) return;
      seg = this.open(u, ps, u.arrivedMs);
    }
    if (!seg) return;
    this.write(seg, u);
  }

  private open(u: AccessUnit, ps: ParameterSets, startedAt: number): Segment | null {
    this.cut = false;
    const init = initSegment(ps);
    const folder = path.join(this.r.settings.dir, folderOf(this.vehicleId));
    let fd: number | undefined;
    try {
      fs.mkdirSync(folder, { recursive: true });
      let name = `${stamp(startedAt)}.mp4`;
      for (let n = 2; fd === undefined; n++) {
        try {
          fd = fs.openSync(path.join(folder, name), 'wx');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 9) throw err;
          name = `${stamp(startedAt)}-${n}.mp4`;
        }
      }
      fs.writeSync(fd, init.segment);
      const row = new IndexWrites(this.r, {
        vehicleId: this.vehicleId,
        file: `${folderOf(this.vehicleId)}/${name}`,
        startedAt: Math.round(startedAt),
        codec: init.codec,
        mime: init.mime,
        width: init.width,
        height: init.height,
      }, (line) => this.problem(line));
      const seg = new Segment(row, fd, startedAt, u.pts90k, keyOf(ps), new Fragmenter(u.pts90k), u);
      seg.bytes = init.segment.length;
      this.segment = seg;
      this.lastProblem = '';
      return seg;
    } catch (err) {
      if (fd !== undefined) fs.closeSync(fd);
      this.problem(`cannot start a recording in ${folder}: ${(err as Error).message}`);
      return null;
    }
  }

  private write(seg: Segment, u: AccessUnit): void {
    if (u.pts90k > seg.lastPts) seg.interval = Math.min(u.pts90k - seg.lastPts, 90_000);
    seg.lastPts = u.pts90k;
    seg.lastArrived = u.arrivedMs;
    try {
      const fragment = seg.fragmenter.fragment(u);
      fs.writeSync(seg.fd, fragment);
      seg.bytes += fragment.length;
    } catch (err) {
      this.problem(`recording stopped at a write error: ${(err as Error).message}`);
      this.finish();
      return;
    }
    if (u.key && seg.saveDue(u.arrivedMs)) seg.row.grew(seg.endMs(), seg.bytes);
  }

  /** Ends the open file (at its last picture, or at `endMs` when the next one continues it). */
  finish(endMs?: number): void {
    const seg = this.segment;
    if (!seg) return;
    this.segment = null;
    try {
      fs.closeSync(seg.fd);
    } catch (err) {
      this.problem(`closing a recording: ${(err as Error).message}`);
    }
    seg.row.closed(endMs ?? seg.endMs(), seg.bytes);
  }

  private problem(line: string): void {
    if (line === this.lastProblem) return;
    this.lastProblem = line;
    this.r.log(`video ${this.vehicleId}: ${line}`);
  }

  detach(): void {
    for (const off of this.off) off();
    this.off = [];
    this.finish();
  }
}

/**
 * Records each drone's camera while it has a reason to (a run under way): start(drone, reason)
 * and stop(drone, reason), with the drone's current source handed in by setSource as it changes.
 */
export class VideoRecorder {
  private readonly drones = new Map<string, DroneRecorder>();
  /** index writes not yet done (settled() waits for them) */
  private readonly writes = new Set<Promise<unknown>>();
  readonly settings: RecorderSettings;
  readonly log: (line: string) => void;

  constructor(
    readonly index: RecordingIndex,
    settings: Partial<RecorderSettings> & { dir: string },
    log: (line: string) => void = () => {},
  ) {
    this.settings = { ...DEFAULT_RECORDER, ...settings };
    this.log = log;
  }

  private drone(vehicleId: string): DroneRecorder {
    let d = this.drones.get(vehicleId);
    if (!d) {
      d = new DroneRecorder(vehicleId, this);
      this.drones.set(vehicleId, d);
    }
    return d;
  }

  /** The drone's camera (null: none any more). */
  setSource(vehicleId: string, source: VideoSource | null): void {
    this.drone(vehicleId).attach(source);
  }

  /** A reason to record this drone (e.g. "patrol:12"); a new file starts at the next key picture. */
  start(vehicleId: string, reason: string): void {
    const d = this.drone(vehicleId);
    if (d.reasons.has(reason)) return;
    d.reasons.add(reason);
    d.cut = true;
  }

  /** That reason is over: the recording stops when it was the last, else a new file starts at the next key picture. */
  stop(vehicleId: string, reason: string): void {
    const d = this.drones.get(vehicleId);
    if (!d?.reasons.delete(reason)) return;
    if (d.recording) d.cut = true;
    else d.finish();
  }

  /** Drones recording now, and why (tests, metrics). */
  active(): Array<{ vehicleId: string; reasons: string[]; writing: boolean }> {
    return [...this.drones.values()].filter((d) => d.recording).map((d) => ({
      vehicleId: d.vehicleId,
      reasons: [...d.reasons],
      writing: d.segment !== null,
    }));
  }

  /** Counts an index write until it is done (it never rejects: IndexWrites catches). */
  pending<T>(write: Promise<T>): Promise<T> {
    this.writes.add(write);
    const done = () => this.writes.delete(write);
    write.then(done, done);
    return write;
  }

  /** Once the index has every file as written so far (tests; closing). */
  async settled(): Promise<void> {
    while (this.writes.size) await Promise.all(this.writes);
  }

  /** Closes every open file (the service stops), and waits for the index to have them closed. */
  async close(): Promise<void> {
    for (const d of this.drones.values()) d.detach();
    await this.settled();
  }
}
