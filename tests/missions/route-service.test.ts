import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testService } from '../helpers/service.ts';
import { denseLoop, lineKml } from './dense-line.ts';

/** The body limits as the whole service applies them: routes up to 6 MB, everything else 1 MB. */
describe('route uploads through the service', () => {
  let missionsDir: string;
  let t: Awaited<ReturnType<typeof testService>>;
  let pilot: string;
  beforeAll(async () => {
    missionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-route-service-'));
    t = await testService({ missionsDir });
    pilot = await t.user('li', ['pilot']);
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(missionsDir, { recursive: true, force: true });
  });

  it("a 1.1 MB KML is taken (the app's 1 MB body limit is for other requests), and so is a PUT of it", async () => {
    const content = lineKml(denseLoop(52_000));
    expect(content.length).toBeGreaterThan(1024 * 1024);
    const created = await t.api('POST', '/api/routes', pilot, { fileName: 'dense.kml', content });
    expect([created.status, created.body.error]).toEqual([201, undefined]);
    expect(created.body.file).toBe('dense.plan');
    const replaced = await t.api('PUT', '/api/routes/dense', pilot, { fileName: 'dense.kml', content });
    expect(replaced.status).toBe(200);
  });

  it('other requests keep the 1 MB limit, and a route body past 6 MB gets 413 naming the limit', async () => {
    const big = { text: 'x'.repeat(1024 * 1024 + 1) };
    expect((await t.api('POST', '/api/alerts', pilot, big)).status).toBe(413);
    const huge = await t.api('POST', '/api/routes', pilot, { fileName: 'huge.kml', content: 'x'.repeat(6 * 1024 * 1024) });
    expect([huge.status, huge.body.error]).toEqual([413, 'request body too large: a route is at most 6 MB']);
  });

  it('a route body is read only after the role check', async () => {
    const r = await t.api('POST', '/api/routes', undefined, { fileName: 'dense.kml', content: 'x'.repeat(2 * 1024 * 1024) });
    expect(r.status).toBe(401);
  });
});
