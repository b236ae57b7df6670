import fs from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import type { Fleet } from '../vehicles/fleet.ts';
import type { ClientConfig } from '../wire/types.ts';
import { healthView, linkViews, vehicleView, vehicleViews } from './views.ts';

export interface AppOptions {
  fleet: Fleet;
  client: ClientConfig;
  /** built web app (vite build output); not served when missing */
  webDir: string;
  startedAt: number;
}

export function createApp({ fleet, client, webDir, startedAt }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));

  app.get('/api/health', (_req, res) => { res.json(healthView(fleet, startedAt)); });
  app.get('/api/config', (_req, res) => { res.json(client); });
  app.get('/api/links', (_req, res) => { res.json(linkViews(fleet)); });
  app.get('/api/vehicles', (_req, res) => { res.json(vehicleViews(fleet)); });
  app.get('/api/vehicles/:id', (req, res) => {
    const v = fleet.get(req.params.id);
    if (!v) {
      res.status(404).json({ error: `no vehicle "${req.params.id}"; GET /api/vehicles lists them` });
      return;
    }
    res.json(vehicleView(fleet, v));
  });
  app.use('/api', (req, res) => { res.status(404).json({ error: `no API route ${req.method} ${req.originalUrl}` }); });

  if (fs.existsSync(path.join(webDir, 'index.html'))) {
    app.use(express.static(webDir, { index: 'index.html', maxAge: '1h', setHeaders: noCacheHtml }));
  } else {
    app.get('/', (_req, res) => {
      res.status(503).type('text').send(`The web app is not built (${webDir}/index.html missing). Run: npx vite build`);
    });
  }

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    const message = err.type === 'entity.parse.failed' ? `request body is not valid JSON: ${err.message}`
      : status === 500 ? 'internal error' : err.message;
    res.status(status).json({ error: message });
  };
  app.use(onError);
  return app;
}

function noCacheHtml(res: express.Response, file: string): void {
  if (file.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}
