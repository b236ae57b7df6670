/**
 * Recording a drone's camera into files (server/video/recorder.ts) with real H.264 from ffmpeg's
 * encoder, a real SQLite index and real files, judged by ffmpeg's decoder. Time is the pictures'
 * own: each is handed in with the arrival time and 90 kHz clock a camera would give it, so a
 * minute, a gap or a month passes without waiting.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openStore } from '../../server/store/index.ts';
import { readFragmentedMp4 } from '../../server/video/fmp4-read.ts';
import { VideoRecorder } from '../../server/video/recorder.ts';
import { joinRecordings, planJoin, pruneRecordings, recoverRecordings } from '../../server/video/recording-files.ts';
import type { AccessUnit, ParameterSets, SourceHealth, VideoSource } from '../../server/video/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { decodeVideo, longestPause } from '../helpers/recording.ts';
import { encodeClip, type Clip } from '../helpers/video-feed.ts';

const cleanup = cleanupAfterEach();
const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);
const FRAME_MS = 40;

/** A camera driven by the test: each picture with the arrival time and clock the test gives it. */
class SteppedCamera implements VideoSource {
  readonly uri = 'test://stepped';
  private readonly units = new Set<(u: AccessUnit) => void>();
  private readonly healths = new Set<(h: SourceHealth) => void>();
  private index = 0;
  constructor(private readonly clip: Clip, private ps: ParameterSets = clip.parameterSets) {}
  parameterSets(): ParameterSets {
    return this.ps;
  }
  health(): SourceHealth {
    return { state: 'live', units: 0, badPackets: 0, lostPackets: 0, restarts: 0 };
  }
  onUnit(l: (u: AccessUnit) => void) {
    this.units.add(l);
    return () => this.units.delete(l);
  }
  onHealth(l: (h: SourceHealth) => void) {
    this.healths.add(l);
    return () => this.healths.delete(l);
  }
  /** the clip's next picture (in a loop), arriving at arrivedMs with this 90 kHz time */
  send(arrivedMs: number, pts90k: number): AccessUnit {
    const p = this.clip.pictures[this.index]!;
    this.index = (this.index + 1) % this.clip.pictures.length;
    const u: AccessUnit = { codec: this.clip.codec, nals: p.nals, key: p.key, pts90k, arrivedMs };
    for (const l of this.units) l(u);
    return u;
  }
  /** n pictures at 25 fps from (arrivedMs, pts90k); returns where the next one would be */
  run(n: number, from: { ms: number; pts: number }): { ms: number; pts: number } {
    for (let i = 0; i < n; i++) this.send(from.ms + i * FRAME_MS, from.pts + i * 3600);
    return { ms: from.ms + n * FRAME_MS, pts: from.pts + n * 3600 };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  stale(): void {
    for (const l of this.healths) l({ state: 'stale', units: 0, badPackets: 0, lostPackets: 0, restarts: 0, reason: 'no pictures for 2 s' });
  }
}

async function rig(settings: { segmentMs?: number } = {}) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-rec-'));
  const store = await openStore(data);
  const dir = path.join(data, 'recordings');
  const said: string[] = [];
  const recorder = new VideoRecorder(store.recordings, { dir, ...settings }, (line) => said.push(line));
  cleanup.push(async () => {
    await recorder.close();
    await store.close();
  });
  const clip = encodeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 });
  const camera = new SteppedCamera(clip);
  recorder.setSource('l1-1', camera);
  /** the index as the recorder has written it so far (its writes follow the pictures) */
  const files = async () => {
    await recorder.settled();
    const [finished, unfinished] = await Promise.all([store.recordings.finished(), store.recordings.unfinished()]);
    return finished.concat(unfinished).sort((a, b) => a.startedAt - b.startedAt);
  };
  const exported = async () => {
    const plan = await planJoin((await files()).map((f) => ({ file: path.join(dir, f.file), startedAt: f.startedAt })));
    const out = path.join(data, 'export.mp4');
    const chunks: Buffer[] = [];
    for await (const c of joinRecordings(plan!)) chunks.push(c);
    fs.writeFileSync(out, Buffer.concat(chunks));
    return out;
  };
  return { data, dir, store, recorder, camera, clip, files, exported, said };
}

describeWithFfmpeg('recording a drone’s camera while it flies a run', () => {
  it('records only during the run, from a key picture, in files that start at key pictures and decode whole; joined, one timeline', async () => {
    const r = await rig({ segmentMs: 2000 });
    // before the run: nothing recorded
    let at = r.camera.run(30, { ms: T0, pts: 1_000_000 });
    expect(await r.files()).toEqual([]);
    r.recorder.start('l1-1', 'patrol:7');
    // the clip's key pictures are every 25th: the run starts mid-GOP, the file at the next key picture (picture 50)
    at = r.camera.run(20 + 250, at);
    r.recorder.stop('l1-1', 'patrol:7');
    r.camera.run(50, at); // after the run: nothing more
    const files = await r.files();
    expect(files.map((f) => f.writing)).toEqual([false, false, false, false, false]);
    // 10 s from picture 50: five files of 2 s, each starting where the one before ended
    expect(files.map((f) => f.startedAt - T0)).toEqual([2000, 4000, 6000, 8000, 10000]);
    expect(files.map((f) => f.endedAt - T0)).toEqual([4000, 6000, 8000, 10000, 12000]);
    expect(files[0]).toMatchObject({
      vehicleId: 'l1-1',
      codec: 'h264',
      width: 320,
      height: 240,
      mime: expect.stringMatching(/^video\/mp4; codecs="avc1\.42c0[0-9a-f]{2}"$/),
    });
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(r.dir, f.file));
      expect(bytes.length).toBe(f.bytes);
      const mp4 = readFragmentedMp4(bytes);
      expect(mp4.fragments.length).toBe(50);
      expect(mp4.fragments[0]).toMatchObject({ key: true, decodeTime: 0 });
      const decoded = decodeVideo(path.join(r.dir, f.file));
      expect(decoded.errors).toBe('');
      expect(decoded.times.length).toBe(50);
      expect(decoded.durationS).toBeCloseTo(2, 3);
    }
    const joined = decodeVideo(await r.exported());
    expect(joined.errors).toBe('');
    expect(joined.times.length).toBe(250);
    expect(joined.durationS).toBeCloseTo(10, 3);
    expect(longestPause(joined.times).s).toBeCloseTo(0.04, 3); // one picture after another, no seam
  });

  it('a gap in the source is a gap: the file ends at its last picture, the next begins at the next key picture, nothing in between', async () => {
    const r = await rig();
    r.recorder.start('l1-1', 'goto:3');
    let at = r.camera.run(40, { ms: T0, pts: 5_000_000 }); // 1.6 s from a key picture
    // The link drops for 3 s (the camera's clock runs on); pictures resume mid-GOP, the next key picture 10 pictures on.
    at = r.camera.run(10, { ms: at.ms + 3000, pts: at.pts + 3 * 90_000 });
    expect(r.recorder.active()).toEqual([{ vehicleId: 'l1-1', reasons: ['goto:3'], writing: false }]);
    r.camera.run(50, at);
    // The source then goes stale: the file ends at once, at its last picture.
    r.camera.stale();
    const files = await r.files();
    expect(files.map((f) => [f.startedAt - T0, f.endedAt - T0, f.writing])).toEqual([[0, 1600, false], [5000, 7000, false]]);
    const joined = decodeVideo(await r.exported());
    expect(joined.errors).toBe('');
    expect(joined.times.length).toBe(90);
    // the export keeps the gap as time without pictures: from the last picture before it (1.56 s) to the first after (5 s)
    expect(longestPause(joined.times)).toEqual({ at: expect.closeTo(1.56, 3), s: expect.closeTo(3.44, 3) });
    r.recorder.stop('l1-1', 'goto:3');
  });

  it('a camera restarted (its clock jumps back) starts a new file; a second run on the same drone (a detour) starts one too', async () => {
    const r = await rig();
    r.recorder.start('l1-1', 'patrol:1');
    let at = r.camera.run(50, { ms: T0, pts: 9_000_000 });
    r.recorder.start('l1-1', 'goto:2'); // the detour begins: a new file at the next key picture
    at = r.camera.run(50, at);
    // restart: clock from 0, the stream from its first (key) picture
    const fresh = new SteppedCamera(r.clip);
    r.recorder.setSource('l1-1', fresh);
    fresh.run(25, { ms: at.ms + 500, pts: 0 });
    expect((await r.files()).map((f) => [f.startedAt - T0, f.endedAt - T0, f.writing])).toEqual([
      [0, 2000, false],
      [2000, 4000, false], // ended by the new source
      [4500, 4500, true], // the restarted camera: open, written so far
    ]);
    r.recorder.stop('l1-1', 'patrol:1');
    r.recorder.stop('l1-1', 'goto:2');
    expect((await r.files()).at(-1)).toMatchObject({ writing: false, endedAt: T0 + 5500 });
  });

  it('the pictures never wait for the index: with the index refusing every write, the files are still written whole, and that said', async () => {
    const r = await rig({ segmentMs: 1000 });
    await sql`DROP TABLE video_segments`.execute(r.store.db.k);
    r.recorder.start('l1-1', 'patrol:4');
    r.camera.run(50, { ms: T0, pts: 0 }); // two files: the second from the key picture 1 s in
    r.recorder.stop('l1-1', 'patrol:4');
    await r.recorder.settled();
    const written = fs.readdirSync(path.join(r.dir, 'l1-1')).sort();
    expect(written).toHaveLength(2);
    const decoded = written.map((f) => decodeVideo(path.join(r.dir, 'l1-1', f)));
    expect(decoded.map((d) => [d.errors, d.times.length])).toEqual([['', 25], ['', 25]]);
    expect(r.said).toEqual(written.map((f) => expect.stringMatching(new RegExp(`^video l1-1: l1-1/${f} is recorded but not in the recordings' index: `))));
  });

  it('after a crash, a file left open is cut after its last whole picture, and its end read from the pictures themselves', async () => {
    const r = await rig();
    r.recorder.start('l1-1', 'patrol:9');
    r.camera.run(87, { ms: T0, pts: 0 });
    await r.recorder.settled();
    const [open] = await r.store.recordings.unfinished();
    const file = path.join(r.dir, open!.file);
    // the process died in the middle of writing picture 87: its fragment is torn
    const last = readFragmentedMp4(fs.readFileSync(file)).fragments.at(-1)!;
    fs.truncateSync(file, last.start + Math.floor((last.end - last.start) / 2));
    const said = await recoverRecordings(r.store.recordings, r.dir);
    expect(said).toEqual([expect.stringMatching(/: 86 pictures kept, \d+ torn bytes cut$/)]);
    const row = (await r.store.recordings.get(open!.id))!;
    expect(row).toMatchObject({ writing: false, startedAt: T0, endedAt: T0 + 86 * FRAME_MS, bytes: fs.statSync(file).size });
    const decoded = decodeVideo(file);
    expect(decoded.errors).toBe('');
    expect(decoded.times.length).toBe(86);
    expect(decoded.durationS).toBeCloseTo(3.44, 3);
  });

  it('retention: files older than the age limit go, then the oldest until under the size limit; the file being written never', async () => {
    const r = await rig({ segmentMs: 1000 });
    const DAY = 86_400_000;
    // three flights on three days, two files each; the last still recording
    for (const day of [0, 20, 40]) {
      r.recorder.start('l1-1', `patrol:${day}`);
      r.camera.run(50, { ms: T0 + day * DAY, pts: day * 1_000_000 });
      if (day !== 40) r.recorder.stop('l1-1', `patrol:${day}`);
    }
    const before = await r.files();
    expect(before.map((f) => Math.round((f.startedAt - T0) / DAY))).toEqual([0, 0, 20, 20, 40, 40]);
    const now = T0 + 40 * DAY + 5000;
    // 30 days: day 0's two files go
    expect(await pruneRecordings(r.store.recordings, r.dir, { maxAgeDays: 30, maxTotalMB: 1000 }, now)).toEqual([before[0]!.file, before[1]!.file]);
    expect(fs.existsSync(path.join(r.dir, before[0]!.file))).toBe(false);
    expect(fs.existsSync(path.join(r.dir, before[2]!.file))).toBe(true);
    // a size limit of two and a half files' bytes (the open file counts what it has saved): day 20's first file goes
    const each = before[2]!.bytes;
    expect(await pruneRecordings(r.store.recordings, r.dir, { maxAgeDays: 30, maxTotalMB: (each * 2.5) / 1024 / 1024 }, now)).toEqual([before[2]!.file]);
    // nothing allowed at all: everything finished goes, the file being written stays
    expect(await pruneRecordings(r.store.recordings, r.dir, { maxAgeDays: 30, maxTotalMB: 0.000001 }, now)).toEqual([before[3]!.file, before[4]!.file]);
    expect((await r.files()).map((f) => [f.file, f.writing])).toEqual([[before[5]!.file, true]]);
    expect(fs.readdirSync(path.join(r.dir, 'l1-1'))).toEqual([path.basename(before[5]!.file)]);
  });
});
