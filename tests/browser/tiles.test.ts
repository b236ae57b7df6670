/**
 * Maps for real deployments: the GCJ-02 conversion (against a published reference pair, and a
 * round trip in Wenling), local tiles served from a folder and from an MBTiles file, web presets
 * with the Content-Security-Policy following them, and a GCJ-02 map in a real Chromium where a
 * click on the map becomes the true WGS-84 position again.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTiles, tileOrigins, TileConfigError } from '../../server/http/tiles.ts';
import type { ClientConfig, GroundAlertView } from '../../server/wire/types.ts';
import { gcj02ToWgs84, wgs84ToGcj02 } from '../../web/src/projection.ts';
import { testService } from '../helpers/service.ts';
import { ARTIFACTS, assertFreshBuild, centre, launchBrowser, logIn, openPage, POLL, screenshot, settled, unexpected, WEB_DIR } from './browser.ts';

const WENLING = { lat: 28.37, lon: 121.38 };
const metres = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) =>
  Math.hypot((a.lat - b.lat) * 111_320, (a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180));

/** A 256 × 256 PNG: a plain colour with a darker border, so tiles show as squares. */
function png(rgb: [number, number, number]): Buffer {
  const size = 256;
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const edge = x < 2 || y < 2;
      const at = y * (size * 3 + 1) + 1 + x * 3;
      for (let c = 0; c < 3; c++) raw[at + c] = edge ? rgb[c]! / 2 : rgb[c]!;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The web-map tile holding a point at zoom z. */
function tileOf(lat: number, lon: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return { x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n) };
}

/** A z/x/y folder around a point, zooms 15-17, enough for a 1600 × 900 window. */
function tileFolder(around: { lat: number; lon: number }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-tiles-'));
  const image = png([58, 74, 92]);
  for (let z = 15; z <= 17; z++) {
    const c = tileOf(around.lat, around.lon, z);
    for (let x = c.x - 5; x <= c.x + 5; x++) {
      fs.mkdirSync(path.join(dir, String(z), String(x)), { recursive: true });
      for (let y = c.y - 4; y <= c.y + 4; y++) fs.writeFileSync(path.join(dir, String(z), String(x), `${y}.png`), image);
    }
  }
  return dir;
}

describe('GCJ-02 conversion', () => {
  it('matches the published reference pair (coordtransform, Beijing)', () => {
    const gcj = wgs84ToGcj02(39.915, 116.404);
    expect(gcj.lat).toBeCloseTo(39.91640428150164, 11);
    expect(gcj.lon).toBeCloseTo(116.41024449916938, 11);
  });

  it('shifts a street in Wenling by several hundred metres, and converts it back to within a millimetre', () => {
    const shifted = wgs84ToGcj02(WENLING.lat, WENLING.lon);
    const offset = metres(WENLING, shifted);
    expect(offset).toBeGreaterThan(300);
    expect(offset).toBeLessThan(800);
    for (let i = 0; i < 50; i++) {
      const p = { lat: WENLING.lat + (i % 7) * 0.013 - 0.04, lon: WENLING.lon + Math.floor(i / 7) * 0.011 - 0.04 };
      const g = wgs84ToGcj02(p.lat, p.lon);
      expect(metres(p, gcj02ToWgs84(g.lat, g.lon))).toBeLessThan(0.001);
    }
  });

  it('leaves positions outside China as they are', () => {
    expect(wgs84ToGcj02(51.5, -0.12)).toEqual({ lat: 51.5, lon: -0.12 });
    expect(gcj02ToWgs84(35.68, 139.76)).toEqual({ lat: 35.68, lon: 139.76 });
  });
});

describe('tile sources', () => {
  it('serves a local folder of z/x/y tiles at /tiles, with its zoom range', async () => {
    const dir = tileFolder(WENLING);
    const t = await testService({ tiles: { localDir: dir } });
    try {
      const config = (await t.api('GET', '/api/config')).body as ClientConfig;
      expect(config.tiles).toMatchObject({ kind: 'xyz', url: '/tiles/{z}/{x}/{y}', crs: 'wgs84', minZoom: 15, maxZoom: 17 });
      const { x, y } = tileOf(WENLING.lat, WENLING.lon, 16);
      const tile = await fetch(`${t.base}/tiles/16/${x}/${y}`);
      expect(tile.status).toBe(200);
      expect(tile.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await tile.arrayBuffer()).equals(fs.readFileSync(path.join(dir, '16', String(x), `${y}.png`)))).toBe(true);
      expect((await fetch(`${t.base}/tiles/16/${x}/${y + 100}`)).status).toBe(404);
      // Only numbers make a tile path: nothing else of the disk can be named.
      const bad = await fetch(`${t.base}/tiles/16/x/passwd`);
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/expected \/tiles\/\{z\}\/\{x\}\/\{y\}/);
    } finally {
      await t.close();
    }
  });

  it("serves an MBTiles file read-only, turning its rows from the south to the web's from the north", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-mbtiles-')), 'wenling.mbtiles');
    const db = new Database(file);
    db.exec('CREATE TABLE metadata (name TEXT, value TEXT); CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);');
    db.prepare('INSERT INTO metadata VALUES (?, ?)').run('format', 'png');
    db.prepare('INSERT INTO metadata VALUES (?, ?)').run('attribution', '© Wenling survey');
    const image = png([200, 40, 40]);
    // Zoom 2, column 3, TMS row 0 (the southernmost) is the web's y = 3.
    db.prepare('INSERT INTO tiles VALUES (?, ?, ?, ?)').run(2, 3, 0, image);
    db.close();
    const t = await testService({ tileUrl: file });
    try {
      const config = (await t.api('GET', '/api/config')).body as ClientConfig;
      expect(config.tiles).toMatchObject({ url: '/tiles/{z}/{x}/{y}', attribution: '© Wenling survey', minZoom: 2, maxZoom: 2 });
      const tile = await fetch(`${t.base}/tiles/2/3/3`);
      expect(tile.status).toBe(200);
      expect(Buffer.from(await tile.arrayBuffer()).equals(image)).toBe(true);
      expect((await fetch(`${t.base}/tiles/2/3/0`)).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('knows Tianditu and AMap, and the Content-Security-Policy lets their tiles in', async () => {
    const tianditu = resolveTiles({ url: 'tianditu:KEY123' }).view;
    expect(tianditu).toMatchObject({ crs: 'wgs84', subdomains: '01234567', maxZoom: 18 });
    expect(tianditu.url).toContain('LAYER=vec');
    expect(tianditu.labelsUrl).toContain('LAYER=cva');
    expect(tianditu.url).toContain('tk=KEY123');
    expect(tileOrigins(tianditu)).toEqual(Array.from({ length: 8 }, (_, i) => `https://t${i}.tianditu.gov.cn`));

    const t = await testService({ tileUrl: 'amap' });
    try {
      const res = await fetch(`${t.base}/api/config`);
      const config = (await res.json()) as ClientConfig;
      expect(config.tiles).toMatchObject({ crs: 'gcj02', subdomains: '1234' });
      const imgSrc = res.headers.get('content-security-policy')!.split(';').find((d) => d.trim().startsWith('img-src'))!;
      for (const s of '1234') expect(imgSrc).toContain(`https://webrd0${s}.is.autonavi.com`);
      expect(imgSrc).not.toContain('openstreetmap');
    } finally {
      await t.close();
    }
  });

  it('refuses a tile source it cannot use, saying which and why', () => {
    expect(() => resolveTiles({ url: '/no/such/folder' })).toThrow(TileConfigError);
    expect(() => resolveTiles({ url: '/no/such/folder' })).toThrow(/tiles "\/no\/such\/folder": expected a URL template/);
    expect(() => resolveTiles({ mbtiles: '/no/such.mbtiles' })).toThrow(/tiles file "\/no\/such.mbtiles"/);
    const vector = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-mbtiles-')), 'vector.mbtiles');
    const db = new Database(vector);
    db.exec(
      "CREATE TABLE metadata (name TEXT, value TEXT); INSERT INTO metadata VALUES ('format', 'pbf'); CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);",
    );
    db.close();
    expect(() => resolveTiles({ mbtiles: vector })).toThrow(/format "pbf" is not a raster image/);
  });
});

describe('a GCJ-02 map in the browser', () => {
  let t: Awaited<ReturnType<typeof testService>>;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const officerAt = { lat: WENLING.lat - 100 / 111_320, lon: WENLING.lon + 50 / 98_000 };

  beforeAll(async () => {
    assertFreshBuild();
    // Tiles drawn in GCJ-02, as AMap's are: the folder covers where the station appears on them.
    const shifted = wgs84ToGcj02(WENLING.lat, WENLING.lon);
    t = await testService({ webDir: WEB_DIR, tiles: { localDir: tileFolder(shifted), gcj02: true }, station: { ...WENLING, radiusKm: 30 } });
    await t.user('room', ['command']);
    const officer = await t.user('li', ['officer']);
    await t.api('POST', '/api/officer/duty', officer, { onDuty: true });
    await t.api('POST', '/api/officer/location', officer, { ...officerAt, accuracyM: 5 });
    browser = await launchBrowser();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1600, height: 900 } });
    ({ page, errors } = await openPage(context, t.base));
    await logIn(page, 'room', 'room-password');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('draws the local tiles and each position converted to GCJ-02', async () => {
    await expect.poll(() => page.$$eval('img.leaflet-tile', (imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth === 256).length), POLL)
      .toBeGreaterThan(10);
    expect(await page.isVisible('#tiles-note')).toBe(false);
    const officer = '.officer[data-officer="li"]';
    await expect.poll(() => page.isVisible(officer), POLL).toBe(true);
    const drawn = await page.$eval(officer, (el) => ({ lat: Number((el as HTMLElement).dataset.mapLat), lon: Number((el as HTMLElement).dataset.mapLon) }));
    const expected = wgs84ToGcj02(officerAt.lat, officerAt.lon);
    expect(drawn.lat).toBeCloseTo(expected.lat, 10);
    expect(drawn.lon).toBeCloseTo(expected.lon, 10);
    expect(metres(drawn, officerAt)).toBeGreaterThan(300);
  });

  it('turns a click on the map back into the true WGS-84 position before sending it', async () => {
    // Closer in, so a pixel is about a metre.
    for (let i = 0; i < 2; i++) {
      await page.click('.leaflet-control-zoom-in');
      await settled(page);
    }
    await page.click('#new-alert');
    const at = await centre(page, '.officer[data-officer="li"] .officer__badge');
    await page.mouse.click(at.x, at.y);
    await page.waitForSelector('#alert-form[open]');
    await page.click('#alert-form .alert-form__send');
    await expect.poll(() => page.$$eval('.ground-card', (cards) => cards.length), POLL).toBe(1);
    const id = await page.getAttribute('.ground-card', 'data-alert-id');
    const alert = (await t.api('GET', `/api/alerts/${id}`, await t.login('room', 'room-password'))).body as GroundAlertView;
    expect(metres(alert, officerAt)).toBeLessThan(3);
    await screenshot(page, 'tiles-gcj02-en');
    expect(unexpected(errors)).toEqual([]);
  });

  it("draws the officer's job map converted too (on a new phone, which shows the duty the service has)", async () => {
    const incident = { lat: WENLING.lat + 150 / 111_320, lon: WENLING.lon };
    const created = await t.api('POST', '/api/alerts', await t.login('room', 'room-password'), {
      ...incident,
      category: 'theft',
      priority: 2,
      note: 'bicycle',
    });
    expect(created.status).toBe(201);
    const context = await browser.newContext({
      locale: 'en-GB',
      viewport: { width: 360, height: 640 },
      isMobile: true,
      hasTouch: true,
      geolocation: { latitude: officerAt.lat, longitude: officerAt.lon, accuracy: 5 },
      permissions: ['geolocation'],
    });
    const phone = await context.newPage();
    const phoneErrors: string[] = [];
    phone.on('pageerror', (error) => phoneErrors.push(`pageerror: ${error.message}`));
    await phone.goto(`${t.base}/officer`);
    await logIn(phone, 'li', 'li-password');
    // li went on duty over the API before this phone existed.
    await expect.poll(() => phone.getAttribute('#duty', 'aria-pressed'), POLL).toBe('true');
    const card = `.job[data-alert-id="${created.body.id}"]`;
    await expect.poll(() => phone.isVisible(card), POLL).toBe(true);
    await phone.click(`${card} .job__note`);
    await expect.poll(() => phone.getAttribute('#job-map', 'data-job-id'), POLL).toBe(String(created.body.id));
    await expect.poll(() => phone.getAttribute('#job-map', 'data-me-map-lat'), POLL).not.toBeNull();
    const drawn = await phone.$eval('#job-map', (el) => {
      const d = (el as HTMLElement).dataset;
      return { incident: { lat: Number(d.incidentMapLat), lon: Number(d.incidentMapLon) }, me: { lat: Number(d.meMapLat), lon: Number(d.meMapLon) } };
    });
    for (const [shown, truth] of [[drawn.incident, incident], [drawn.me, officerAt]] as const) {
      const expected = wgs84ToGcj02(truth.lat, truth.lon);
      expect(shown.lat).toBeCloseTo(expected.lat, 10);
      expect(shown.lon).toBeCloseTo(expected.lon, 10);
      expect(metres(shown, truth)).toBeGreaterThan(300);
    }
    await phone.$eval('#job-map', (el) => el.scrollIntoView({ block: 'end' }));
    await phone.screenshot({ path: path.join(ARTIFACTS, 'tiles-gcj02-officer-en.png') });
    expect(phoneErrors).toEqual([]);
    await context.close();
  });
});
