/**
 * A run's recorded video (issue 16, record and replay): the list of its files for the history's
 * replay (GET /api/runs/:id/video; a goto's, GET /api/gotos/:id/video), each file for the page's player (GET /api/recordings/:id.mp4,
 * with ranges), and the whole run as one MP4 to download (GET /api/runs/:id/video.mp4, and
 * /api/gotos/:id/video.mp4 for a drone sent to a scene). The same roles as the run's other
 * exports (its track as GPX or KML): pilots, the command room and admins; an officer is refused.
 * Replays and exports are audited: recorded video is evidence.
 */
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express from 'express';
import type { RecordingStore, SegmentRow } from '../store/recordings.ts';
import { joinRecordings, planJoin } from '../video/recording-files.ts';
import { said } from '../wire/messages.ts';
import type { RecordingSegmentView, RunVideoView } from '../wire/types.ts';
import { ipOf, requireRole, type AuthContext } from './auth.ts';
import { saidBody } from './errors.ts';
import { outOfScope, type StationOf } from './scope.ts';

/** A run's drone and time, as its record keeps them. */
export interface RecordedSpan {
  vehicleId: string;
  startedAt: number;
  endedAt: number | null;
  /** a goto's state: one that turned home ('returning') is recorded on until the drone is home (service.ts) */
  state?: string;
}

/**
 * Files that follow each other closer than this are one recording: the recorder opens the next at
 * the first key picture after closing one. A landed drone's next flight starts a file much later.
 */
const BACK_TO_BACK_MS = 1500;

export interface RecordingsApiOptions {
  ctx: AuthContext;
  recordings: RecordingStore;
  /** the recordings folder */
  dir: string;
  /** a patrol run's span, or null when there is no such run */
  run: (id: number) => Promise<RecordedSpan | null>;
  /** a goto's (drone to the scene) span, or null */
  goto: (id: number) => Promise<RecordedSpan | null>;
  /** which station each drone belongs to: a station's people see only its drones' video (scope.ts) */
  stationOf: StationOf;
}

export const segmentView = (s: SegmentRow): RecordingSegmentView => ({
  id: s.id,
  startedAt: s.startedAt,
  endedAt: s.endedAt,
  writing: s.writing,
  codec: s.codec,
  mime: s.mime,
  width: s.width,
  height: s.height,
  bytes: s.bytes,
});

const idOf = (req: express.Request) => {
  const n = Number(req.params.id);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

export function createRecordingsRouter(o: RecordingsApiOptions): express.Router {
  const { ctx, recordings } = o;
  const router = express.Router();
  const watch = requireRole(ctx, 'pilot', 'command', 'admin');
  const audit = (req: express.Request, action: string, target: string, result: string, detail?: unknown) =>
    ctx.audit.record({ user: req.user?.name ?? null, action, target, result, detail, ip: ipOf(req) });
  const during = (span: RecordedSpan) => recordings.during(span.vehicleId, span.startedAt, span.endedAt ?? Date.now());
  /**
   * A goto's files, with the flight home after its record ended: the recording goes on until the
   * drone is disarmed, so the files back to back with the last one belong to it. (A camera gap on
   * the way home ends the chain: what follows it is not in the export.)
   */
  const homeward = async (span: RecordedSpan) => {
    const files = await during(span);
    if (span.state !== 'returning' || span.endedAt === null || files.length === 0) return files;
    for (const next of await recordings.during(span.vehicleId, span.endedAt, Date.now())) {
      const last = files.at(-1)!;
      if (next.id === last.id || files.some((f) => f.id === next.id)) continue;
      if (next.startedAt - last.endedAt > BACK_TO_BACK_MS) break;
      files.push(next);
    }
    return files;
  };

  router.get('/runs/:id/video', watch, async (req, res) => {
    const id = idOf(req);
    const run = id === null ? null : await o.run(id);
    if (!run) {
      res.status(404).json(saidBody(said('run_unknown', { run: String(req.params.id) })));
      return;
    }
    if (outOfScope(ctx, o.stationOf, req, res, run.vehicleId, `run:${id}`)) return;
    const segments = (await during(run)).map(segmentView);
    audit(req, 'video.replay', `run:${id}`, 'ok', { files: segments.length });
    res.json({ vehicleId: run.vehicleId, segments } satisfies RunVideoView);
  });

  // A goto's files for the history's replay: the same list its export joins, the flight home included.
  router.get('/gotos/:id/video', watch, async (req, res) => {
    const id = idOf(req);
    const g = id === null ? null : await o.goto(id);
    if (!g) {
      res.status(404).json(saidBody(said('goto_record_unknown', { id: String(req.params.id) })));
      return;
    }
    if (outOfScope(ctx, o.stationOf, req, res, g.vehicleId, `goto:${id}`)) return;
    const segments = (await homeward(g)).map(segmentView);
    audit(req, 'video.replay', `goto:${id}`, 'ok', { files: segments.length });
    res.json({ vehicleId: g.vehicleId, segments } satisfies RunVideoView);
  });

  router.get('/recordings/:id.mp4', watch, async (req, res, next) => {
    const id = idOf(req);
    const seg = id === null ? undefined : await recordings.get(id);
    if (!seg) {
      res.status(404).json(saidBody(said('recording_file_unknown', { id: String(req.params.id) })));
      return;
    }
    if (outOfScope(ctx, o.stationOf, req, res, seg.vehicleId, `recording:${id}`)) return;
    // A file still being written grows: the page reads what is there now.
    res.sendFile(
      path.join(o.dir, seg.file),
      { headers: { 'content-type': 'video/mp4' }, cacheControl: !seg.writing, maxAge: seg.writing ? 0 : '1h' },
      (err) => {
        if (err && !res.headersSent) next(err);
      },
    );
  });

  /** One MP4 of the span's files, downloaded; audited with what went in and what was left out. */
  const exportVideo = async (req: express.Request, res: express.Response, kind: 'run' | 'goto', span: RecordedSpan, id: number) => {
    const files = await (kind === 'goto' ? homeward(span) : during(span));
    const plan = await planJoin(files.map((f) => ({ file: path.join(o.dir, f.file), startedAt: f.startedAt })));
    const action = `${kind}.video.export`;
    if (!plan) {
      audit(req, action, `${kind}:${id}`, 'refused', { reason: 'no video recorded' });
      res.status(404).json(saidBody(said(kind === 'run' ? 'recording_none_run' : 'recording_none_goto', { id })));
      return;
    }
    audit(req, action, `${kind}:${id}`, 'ok', {
      vehicleId: span.vehicleId,
      files: plan.files.length,
      ...(plan.leftOut.length ? { leftOut: plan.leftOut } : {}),
    });
    res.type('video/mp4').attachment(`skybeat-${kind}-${id}-${span.vehicleId}.mp4`);
    // Files whose camera setup differs from the first's (another size or codec) cannot join it: named here.
    if (plan.leftOut.length) res.setHeader('x-skybeat-left-out', plan.leftOut.join(', '));
    try {
      await pipeline(Readable.from(joinRecordings(plan)), res);
    } catch (err) {
      // the download broke off (the client went away, or a file vanished under retention): nothing more to send
      if (!res.headersSent) throw err;
      res.destroy();
    }
  };

  router.get('/runs/:id/video.mp4', watch, async (req, res) => {
    const id = idOf(req);
    const run = id === null ? null : await o.run(id);
    if (!run) res.status(404).json(saidBody(said('run_unknown', { run: String(req.params.id) })));
    else if (!outOfScope(ctx, o.stationOf, req, res, run.vehicleId, `run:${id}`)) await exportVideo(req, res, 'run', run, id!);
  });

  router.get('/gotos/:id/video.mp4', watch, async (req, res) => {
    const id = idOf(req);
    const g = id === null ? null : await o.goto(id);
    if (!g) res.status(404).json(saidBody(said('goto_record_unknown', { id: String(req.params.id) })));
    else if (!outOfScope(ctx, o.stationOf, req, res, g.vehicleId, `goto:${id}`)) await exportVideo(req, res, 'goto', g, id!);
  });

  return router;
}
