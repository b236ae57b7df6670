import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportRoute, parseRoute } from '../../server/missions/formats/index.ts';
import { REPO } from '../helpers/shared.ts';
import { routesServer } from './http.ts';

/** Requests sent together, as two pilots' clicks (or one double click) arrive. */

const riverside = () => fs.readFileSync(path.join(REPO, 'missions', 'riverside.plan'), 'utf8');

describe('route edits sent at the same time', () => {
  let dir: string;
  let api: Awaited<ReturnType<typeof routesServer>>;
  const files = () => fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
  const trash = () => (fs.existsSync(path.join(dir, '.trash')) ? fs.readdirSync(path.join(dir, '.trash')).sort() : []);
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-route-races-'));
    api = await routesServer(dir);
  });
  afterEach(async () => {
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("two POSTs of the same new id: one 201, the other 409, and the file is the winner's", async () => {
    const [a, b] = ['first', 'second'].map((name) => {
      const route = parseRoute(riverside(), 'patrol.plan');
      route.meta.nameEn = name;
      return { fileName: 'patrol.plan', content: exportRoute(route, 'plan') };
    });
    const results = await Promise.all([api.call('POST', '/', a), api.call('POST', '/', b)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const won = results.find((r) => r.status === 201)!;
    expect(results.find((r) => r.status === 409)!.body.error).toBe('route "patrol" already exists (patrol.plan); use PUT to replace it');
    expect(files()).toEqual(['patrol.plan']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'patrol.plan'), 'utf8')).skybeat.nameEn).toBe(won.body.meta.nameEn);
  });

  it('a new route does not overwrite a file copied in by hand that the folder scan has not seen yet', async () => {
    const handMade = riverside();
    fs.writeFileSync(path.join(dir, 'patrol.plan'), handMade);
    const route = parseRoute(handMade, 'patrol.plan');
    route.meta.nameEn = 'from the API';
    const err = await api.store.create({ fileName: 'patrol.plan', content: exportRoute(route, 'plan') }).catch((e: Error) => e);
    expect(err).toMatchObject({ kind: 'conflict', message: 'route "patrol" already exists (patrol.plan); use PUT to replace it' });
    expect(fs.readFileSync(path.join(dir, 'patrol.plan'), 'utf8')).toBe(handMade);
    expect(fs.readdirSync(dir)).toEqual(['patrol.plan']); // no temporary file left behind
  });

  it('two PUTs in two formats: the last one wins whole, one file remains, both replaced versions are in .trash', async () => {
    const original = riverside();
    fs.writeFileSync(path.join(dir, 'patrol.plan'), original);
    await api.store.rescan();
    const route = parseRoute(original, 'patrol.plan');
    route.meta.nameEn = 'renamed';
    const results = await Promise.all([
      api.call('PUT', '/patrol', { fileName: 'patrol.waypoints', content: exportRoute(route, 'waypoints') }),
      api.call('PUT', '/patrol', { fileName: 'patrol.plan', content: exportRoute(route, 'plan') }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(files()).toHaveLength(1);
    const now = (await api.call('GET', '/patrol')).body;
    expect([now.file, now.status]).toEqual([files()[0], 'ok']);
    // Whichever came second replaced the first one's file in turn: the original and the first are both kept.
    expect(trash()).toHaveLength(2);
    expect(trash().map((f) => fs.readFileSync(path.join(dir, '.trash', f), 'utf8'))).toContain(original);
  });

  it('a PUT in the same format keeps the old file in .trash, byte for byte', async () => {
    const original = riverside();
    fs.writeFileSync(path.join(dir, 'patrol.plan'), original);
    await api.store.rescan();
    const route = parseRoute(original, 'patrol.plan');
    route.meta.nameEn = 'renamed';
    const r = await api.call('PUT', '/patrol', { fileName: 'patrol.plan', content: exportRoute(route, 'plan') });
    expect(r.status).toBe(200);
    expect(files()).toEqual(['patrol.plan']);
    expect(trash()).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, '.trash', trash()[0]!), 'utf8')).toBe(original);
    // Twice within one millisecond or not, no copy overwrites another.
    await Promise.all([api.call('PUT', '/patrol', r.body.route), api.call('PUT', '/patrol', r.body.route)]);
    expect(trash()).toHaveLength(3);
  });
});
