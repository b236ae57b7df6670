import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_MAX_BYTES } from '../../server/missions/limits.ts';
import { MAX_LINE_POINTS } from '../../server/missions/formats/line-route.ts';
import { REPO } from '../helpers/shared.ts';
import { denseLoop, lineKml, zigzag, type LonLat } from './dense-line.ts';
import { routesServer } from './http.ts';

/** Metres from p to the polyline, in a local flat frame (exact enough over a few km). */
function distanceToLineM(p: LonLat, line: LonLat[]): number {
  const mLat = 111_320;
  const mLon = mLat * Math.cos((p.lat * Math.PI) / 180);
  let best = Infinity;
  for (let i = 1; i < line.length; i++) {
    const [ax, ay] = [(line[i - 1]!.lon - p.lon) * mLon, (line[i - 1]!.lat - p.lat) * mLat];
    const [bx, by] = [(line[i]!.lon - p.lon) * mLon, (line[i]!.lat - p.lat) * mLat];
    const len2 = (bx - ax) ** 2 + (by - ay) ** 2;
    const t = len2 ? Math.max(0, Math.min(1, -(ax * (bx - ax) + ay * (by - ay)) / len2)) : 0;
    best = Math.min(best, Math.hypot(ax + t * (bx - ax), ay + t * (by - ay)));
  }
  return best;
}

const HOSTILE: Record<string, string> = {
  'an external entity':
    '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><kml><Document><Placemark><name>&xxe;</name></Placemark></Document></kml>',
  'entity expansion': `<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY a "${'x'.repeat(5000)}">]><kml><Document><Placemark><name>${
    '&a;'.repeat(100)
  }</name></Placemark></Document></kml>`,
};

describe('route files: one size limit, lines that fit a mission, hostile XML refused', () => {
  let dir: string;
  let api: Awaited<ReturnType<typeof routesServer>>;
  const files = () => fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-route-limits-'));
    api = await routesServer(dir);
  });
  afterAll(async () => {
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a 52,000-point KML line is simplified to fit a mission, every drawn point within 2 m of the line flown, and says so', async () => {
    const drawn = denseLoop(52_000);
    const content = lineKml(drawn);
    expect(content.length).toBeGreaterThan(1_000_000); // over the app's 1 MB body limit for other requests
    const r = await api.call('POST', '/', { fileName: 'dense.kml', content });
    expect(r.status).toBe(201);
    expect(r.body.status).not.toBe('invalid');
    expect(r.body.itemCount).toBeGreaterThan(4);
    expect(r.body.itemCount).toBeLessThanOrEqual(MAX_LINE_POINTS + 2);
    expect(r.body.issues[0]).toMatchObject({
      level: 'warning',
      message: expect.stringMatching(
        /^the drawn line had 52,000 points, more than the 697 a mission holds .*; it was simplified to \d+, every drawn point within 2 m of the line flown$/,
      ),
      // and as a code the pages say in their language
      said: { code: 'import_simplified', params: { points: '52,000', tolerance: 2, holds: { code: 'import_holds', params: { max: 697, items: 700 } } } },
    });

    const flown = r.body.route.items.slice(1, -1).map((i: { lat: number; lon: number }) => ({ lat: i.lat, lon: i.lon }));
    const asWritten = drawn.map((p) => ({ lon: Number(p.lon.toFixed(6)), lat: Number(p.lat.toFixed(6)) }));
    const worst = Math.max(...asWritten.map((p) => distanceToLineM(p, flown)));
    expect(worst).toBeLessThanOrEqual(2);
    expect(worst).toBeGreaterThan(0.1); // it did simplify: the jitter is gone

    // What was written reads back as the same route, small.
    expect(fs.statSync(path.join(dir, 'dense.plan')).size).toBeLessThan(100_000);
    expect((await api.call('GET', '/dense')).body.itemCount).toBe(r.body.itemCount);
  });

  it('a line with more real corners than a mission holds is refused with 400 naming the count and the maximum; nothing is written', async () => {
    const before = files();
    const r = await api.call('POST', '/', { fileName: 'zigzag.kml', content: lineKml(zigzag(2000)) });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(
      /^zigzag\.kml refused: the line has 2,000 points and, simplified within 2 m, still more than 697: more than the 697 a mission holds \(700 items less home, takeoff and return\)/,
    );
    expect([r.body.said.code, r.body.issues[0].said.code]).toEqual(['route_file_refused', 'import_too_many_points']);
    expect(files()).toEqual(before);
  });

  for (const [what, content] of Object.entries(HOSTILE)) {
    it(`a KML with ${what} gets 400 naming the DOCTYPE it refused; nothing is written`, async () => {
      const before = files();
      const r = await api.call('POST', '/', { fileName: 'hostile.kml', content });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/^hostile\.kml refused: a DOCTYPE \(entity declarations\) is refused/);
      expect(r.body.issues[0].where).toMatch(/^line [12]$/);
      expect([r.body.said.code, r.body.issues[0].said, r.body.issues[0].whereSaid.code]).toEqual([
        'route_file_refused',
        { code: 'import_doctype' },
        'route_where_line',
      ]);
      expect(files()).toEqual(before);
    });
  }

  it('a KML nested deeper than 64 elements gets 400; copied into the folder, it is listed as unreadable and the other routes still load', async () => {
    const deep = `<kml>${'<Folder>'.repeat(5000)}${'</Folder>'.repeat(5000)}</kml>`;
    const r = await api.call('POST', '/', { fileName: 'deep.kml', content: deep });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('deep.kml refused: elements nested more than 64 deep are refused (KML needs a handful of levels)');
    expect(r.body.issues[0].said).toEqual({ code: 'import_too_deep', params: { depth: 64 } });

    fs.copyFileSync(path.join(REPO, 'missions', 'riverside.plan'), path.join(dir, 'riverside.plan'));
    fs.writeFileSync(path.join(dir, 'deep.kml'), deep);
    fs.writeFileSync(path.join(dir, 'xxe.kml'), HOSTILE['an external entity']!);
    await api.store.rescan();
    const list = (await api.call('GET', '/')).body.map((e: { id: string; status: string }) => `${e.id} ${e.status}`);
    expect(list).toEqual(expect.arrayContaining(['deep invalid', 'riverside ok', 'xxe invalid']));
    fs.rmSync(path.join(dir, 'deep.kml'));
    fs.rmSync(path.join(dir, 'xxe.kml'));
    await api.store.rescan();
  });

  it('a file wrong throughout gets its first 100 problems listed, not one per position', async () => {
    const content = JSON.stringify({ type: 'LineString', coordinates: Array.from({ length: 20_000 }, () => [121.38, 'north']) });
    const r = await api.call('POST', '/', { fileName: 'wrong.geojson', content });
    expect(r.status).toBe(422);
    expect(r.body.issues).toHaveLength(101);
    expect(r.body.issues[0]).toMatchObject({ where: 'coordinates[0]', message: 'expected a position [longitude, latitude], got [121.38,"north"]' });
    expect(r.body.issues[100].message).toBe('only the first 100 problems are listed');
  });

  it('a route whose file would be over the limit as written gets 413 naming the limit, and nothing is written', async () => {
    const before = files();
    // 30,000 waypoints: a 3.6 MB request, a 13 MB .plan once written.
    const items = [{ command: 22, frame: 3, params: [0, 0, 0, null], lat: 0, lon: 0, alt: 30 }];
    for (let i = 0; i < 30_000; i++) items.push({ command: 16, frame: 3, params: [0, 0, 0, null], lat: 28.37 + (i % 100) * 1e-5, lon: 121.38, alt: 30 });
    const body = JSON.stringify({ id: 'huge', items });
    expect(body.length).toBeLessThan(ROUTE_MAX_BYTES);
    const r = await api.call('POST', '/', body);
    expect(r.status).toBe(413);
    expect(r.body.error).toMatch(/^huge\.plan would be \d+\.\d MB as written: a route file is at most 6\.0 MB; nothing was written$/);
    expect(files()).toEqual(before);
  });

  it('a request body over the limit gets 413 naming the limit', async () => {
    const content = 'x'.repeat(ROUTE_MAX_BYTES);
    const r = await api.call('POST', '/', { fileName: 'big.kml', content });
    expect(r.status).toBe(413);
    expect(r.body.error).toBe('request body too large: a route is at most 6 MB');
  });
});
