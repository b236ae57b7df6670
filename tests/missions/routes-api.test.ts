import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';
import { routesServer } from './http.ts';

describe('/api/routes over HTTP', () => {
  let dir: string;
  let api: Awaited<ReturnType<typeof routesServer>>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-routes-api-'));
    for (const f of ['night-market.plan', 'residential-loop.plan']) fs.copyFileSync(path.join(REPO, 'missions', f), path.join(dir, f));
    api = await routesServer(dir);
  });
  afterAll(async () => {
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists routes and gives one with its items, issues and GeoJSON for the map', async () => {
    const list = await api.call('GET', '/', undefined, null);
    expect(list.status).toBe(200);
    expect(list.body.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([['night-market', 'ok'], ['residential-loop', 'ok']]);
    expect(list.body[0]).toMatchObject({ file: 'night-market.plan', format: 'plan', itemCount: 7, errors: 0, warnings: 0 });
    expect(list.body[0].distanceM).toBeGreaterThan(1000);

    const one = await api.call('GET', '/residential-loop', undefined, null);
    expect(one.status).toBe(200);
    expect(one.body.route.items[0]).toEqual({ command: 22, frame: 3, params: [0, 0, 0, null], lat: 0, lon: 0, alt: 50, autocontinue: true });
    expect(one.body.locations[1]).toBe('mission.items[1]');
    const kinds = one.body.geojson.features.map((f: { properties: { kind: string } }) => f.properties.kind);
    expect(kinds).toEqual(['path', 'item', 'item', 'item', 'item', 'home', 'fence', 'rally']);
    // [lon, lat]: home, the four corners, home again for the RTL
    expect(one.body.geojson.features[0].geometry.coordinates).toEqual([
      [121.38, 28.37],
      [121.377, 28.3735],
      [121.3818, 28.3735],
      [121.382, 28.3688],
      [121.3772, 28.3688],
      [121.38, 28.37],
    ]);
    // In English for API users, and as a code the pages say in their language.
    expect((await api.call('GET', '/nowhere', undefined, null)).body).toEqual({
      error: 'no route "nowhere"; GET /api/routes lists them',
      said: { code: 'route_unknown_listed', params: { route: 'nowhere' } },
    });
  });

  it('exports .plan and .waypoints, saying what a .waypoints file cannot hold', async () => {
    const plan = await api.call('GET', '/residential-loop/export?format=plan', undefined, null);
    expect(plan.status).toBe(200);
    expect(plan.headers.get('content-disposition')).toBe('attachment; filename=residential-loop.plan');
    expect(plan.body).toEqual(JSON.parse(fs.readFileSync(path.join(dir, 'residential-loop.plan'), 'utf8')));
    const wpl = await api.call('GET', '/residential-loop/export?format=waypoints', undefined, null);
    expect(wpl.body.split('\n')[0]).toBe('QGC WPL 110');
    expect(wpl.headers.get('x-route-omitted')).toBe('route metadata (names, station, schedule, notes); geofence; rally points');
    expect((await api.call('GET', '/residential-loop/export?format=kml', undefined, null)).body)
      .toEqual({ error: 'format: expected "plan" or "waypoints", got "kml"' });
  });

  it('changes need the edit guard; bad bodies get 400 naming the field, bad routes 422 with the list', async () => {
    const content = JSON.stringify({ type: 'LineString', coordinates: [[121.379, 28.371], [121.381, 28.3712]] });
    expect((await api.call('POST', '/', { fileName: 'line.geojson', content }, null)).status).toBe(403);
    expect((await api.call('POST', '/', { fileName: 'line.geojson' })).body)
      .toEqual({ error: "invalid request body: content: expected the file's text" });
    expect((await api.call('POST', '/', { fileName: 'line.geojson', content, altitude: -5 })).body)
      .toEqual({ error: 'invalid request body: altitude: metres above home, more than 0' });
    expect((await api.call('POST', '/', '{"fileName": ')).status).toBe(400);
    expect((await api.call('POST', '/', { fileName: 'notes.docx', content: 'x' })).body)
      .toEqual({
        error: 'fileName "notes.docx": a route file ends with .plan, .waypoints, .geojson or .kml',
        said: { code: 'route_file_type', params: { file: 'notes.docx' } },
        issues: [],
      });

    const refused = await api.call('POST', '/', { fileName: 'line.geojson', content, altitude: 200 });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe('line.geojson has errors; nothing was written');
    expect(refused.body.said).toEqual({ code: 'route_has_errors', params: { file: 'line.geojson' } });
    // In English, and as codes the pages say in their language.
    expect(refused.body.issues[0]).toEqual({
      level: 'error',
      file: 'line.geojson',
      item: 0,
      where: 'takeoff (added)',
      message: 'altitude 200 m above home is over the legal ceiling of 120 m',
      said: { code: 'route_over_ceiling_home', params: { alt: '200', ceiling: 120 } },
      whereSaid: { code: 'route_where_added_takeoff' },
    });

    const created = await api.call('POST', '/', { fileName: 'line.geojson', content, altitude: 45 });
    expect(created.status).toBe(201);
    expect([created.body.id, created.body.file, created.body.itemCount]).toEqual(['line', 'line.plan', 4]);
    expect((await api.call('POST', '/', { fileName: 'line.geojson', content })).status).toBe(409);

    const route = created.body.route;
    route.meta.nameZh = '测试线';
    const put = await api.call('PUT', '/line', route);
    expect([put.status, put.body.meta.nameZh]).toEqual([200, '测试线']);
    [route.items[1].lat, route.items[1].lon] = [route.items[1].lon, route.items[1].lat];
    const swapped = await api.call('PUT', '/line', route);
    expect([swapped.status, swapped.body.issues[0].message]).toEqual([422, 'latitude 121.379 out of range (-90..90) — lat/lon swapped?']);

    expect((await api.call('DELETE', '/line', undefined, null)).status).toBe(403);
    expect((await api.call('DELETE', '/line')).status).toBe(204);
    expect((await api.call('GET', '/line')).status).toBe(404);
  });

  it('a file copied into the folder shows up in the list without a restart', async () => {
    fs.copyFileSync(path.join(REPO, 'missions', 'riverside.plan'), path.join(dir, 'riverside.plan'));
    await waitFor('riverside in the folder', () => api.store.get('riverside'));
    const ids = (await api.call('GET', '/', undefined, null)).body.map((r: { id: string }) => r.id);
    expect(ids).toContain('riverside');
  });
});
