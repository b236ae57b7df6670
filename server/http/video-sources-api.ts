/**
 * Which camera is each drone's, set by an admin in the page (issue 16): GET /api/video-sources
 * lists every drone's source (what plays, where from, what the drone announced, its health, why
 * there is none); PUT /api/video-sources/:drone { uri } sets one (a vehicle id or a sysid), and
 * { uri: null } gives the drone back to the configuration file or its announcement; POST
 * /api/video-sources/:drone/approve sets what the drone announced and waits on (an RTSP camera
 * announced over an unsigned link from elsewhere, video/sources.ts followsUnasked). Kept in the
 * database, audited, passwords never shown. Admins only: a camera URI can carry a password.
 */
import express from 'express';
import { z } from 'zod';
import type { VideoSourceStore } from '../store/video-sources.ts';
import type { VideoSources } from '../video/sources.ts';
import { parseVideoUri, redactVideoUri } from '../video/video-uri.ts';
import { said } from '../wire/messages.ts';
import type { VideoSourcesView } from '../wire/types.ts';
import { ipOf, requireRole, type AuthContext } from './auth.ts';
import { saidBody } from './errors.ts';
import { parseBody } from './validate.ts';

export interface VideoSourcesApiOptions {
  ctx: AuthContext;
  sources: VideoSources;
  store: VideoSourceStore;
  /** the configuration file's video.sources: what a drone returns to when its page setting is removed */
  fromFile: Record<string, string>;
}

const Put = z.object({ uri: z.string().trim().min(1).max(500).nullable() }).strict();
/** what the admin saw announced, as the list shows it */
const Approve = z.object({ uri: z.string().min(1).max(500) }).strict();
const DRONE = /^[\w.-]{1,64}$/;

export function createVideoSourcesRouter({ ctx, sources, store, fromFile }: VideoSourcesApiOptions): express.Router {
  const router = express.Router();
  router.use(requireRole(ctx, 'admin'));

  // the admin tab reads this shape (web/src/admin/camera-sources.tsx)
  const answer = async (): Promise<VideoSourcesView> => {
    const setInPage = (await store.all()).map((r) => ({ ...r, uri: redactVideoUri(r.uri) }));
    return { sources: sources.list(), configured: sources.configuration(), setInPage };
  };
  // A setting is written, then used, one at a time: the database's writes may finish out of order
  // (PostgreSQL runs requests at once), and two admins' quick changes must leave the same source
  // kept as used.
  let changing: Promise<unknown> = Promise.resolve();
  const inTurn = (change: () => Promise<void>): Promise<void> => {
    const done = changing.then(change);
    changing = done.catch(() => {}); // the request that failed answers for it; the next goes ahead
    return done;
  };

  router.get('/', async (_req, res) => {
    res.json(await answer());
  });

  // One click: the announced URI, password and all, becomes the drone's setting, as if typed. The
  // body names the URI the admin saw (as listed, password hidden): whoever writes to the link could
  // change the announcement between the look and the click, and that one is not what was approved.
  router.post('/:drone/approve', async (req, res) => {
    const drone = req.params.drone!;
    const uri = DRONE.test(drone) ? sources.announcedUri(drone) : null;
    if (uri === null) {
      res.status(404).json(saidBody(said('video_source_nothing_announced', { drone })));
      return;
    }
    const body = parseBody(Approve, req, res);
    if (!body) return;
    if (body.uri !== redactVideoUri(uri)) {
      res.status(409).json(saidBody(said('video_source_announcement_changed', { drone, now: redactVideoUri(uri), seen: body.uri })));
      return;
    }
    await inTurn(async () => {
      await store.put({ drone, uri, setBy: req.user!.name, setAt: Date.now() });
      sources.configure(drone, uri);
    });
    ctx.audit.record({
      user: req.user!.name,
      action: 'video.source.approve',
      target: drone,
      result: 'ok',
      detail: { uri: redactVideoUri(uri) },
      ip: ipOf(req),
    });
    res.json(await answer());
  });

  router.put('/:drone', async (req, res) => {
    const drone = req.params.drone!;
    if (!DRONE.test(drone)) {
      res.status(400).json(saidBody(said('video_source_not_drone', { drone })));
      return;
    }
    const body = parseBody(Put, req, res);
    if (!body) return;
    if (body.uri !== null) {
      try {
        parseVideoUri(body.uri);
      } catch (err) {
        res.status(400).json({ error: `uri: ${(err as Error).message}` });
        return;
      }
    }
    const uri = body.uri;
    await inTurn(async () => {
      if (uri !== null) {
        await store.put({ drone, uri, setBy: req.user!.name, setAt: Date.now() });
        sources.configure(drone, uri);
      } else {
        await store.remove(drone);
        sources.configure(drone, fromFile[drone] ?? null);
      }
    });
    ctx.audit.record({
      user: req.user!.name,
      action: body.uri !== null ? 'video.source.set' : 'video.source.clear',
      target: drone,
      result: 'ok',
      detail: { uri: body.uri !== null ? redactVideoUri(body.uri) : (fromFile[drone] ? redactVideoUri(fromFile[drone]) : null) },
      ip: ipOf(req),
    });
    res.json(await answer());
  });

  return router;
}
