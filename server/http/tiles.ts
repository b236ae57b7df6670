import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import type { TileSourceView } from '../wire/types.ts';

/**
 * The map's tile source: a web tile server (OpenStreetMap, Tianditu, AMap or any URL template),
 * or, on an isolated police network, a local folder of z/x/y tiles or an MBTiles file that we
 * serve read-only under /tiles/.
 */

export interface TileOptions {
  /** a URL template, "none", a preset ("osm", "amap", "tianditu:KEY"), or a folder / .mbtiles path */
  url?: string | null;
  attribution?: string;
  /** what {s} stands for in the template, e.g. "abc" */
  subdomains?: string;
  maxZoom?: number;
  /** the tiles are drawn in GCJ-02 (as AMap and Tencent); presets know their own */
  gcj02?: boolean;
  /** a folder of {z}/{x}/{y}.png (or .jpg, .jpeg, .webp) tiles */
  localDir?: string;
  /** an MBTiles file of raster tiles */
  mbtiles?: string;
}

export class TileConfigError extends Error {}

export interface TileSource {
  view: TileSourceView;
  /** serves /tiles/{z}/{x}/{y} for a local source, else null */
  router: express.Router | null;
  close(): void;
}

const OSM = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const TIANDITU = (layer: string, key: string) =>
  `https://t{s}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}&STYLE=default` +
  `&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(key)}`;
const LOCAL_URL = '/tiles/{z}/{x}/{y}';
const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp' };
const TILE_PATH = /^\/(\d{1,2})\/(\d{1,8})\/(\d{1,8})(?:\.\w+)?$/;

const base = (url: string | null, extra: Partial<TileSourceView> = {}): TileSourceView => ({
  kind: url ? 'xyz' : 'none',
  url,
  attribution: '',
  crs: 'wgs84',
  subdomains: 'abc',
  minZoom: 0,
  maxZoom: 19,
  labelsUrl: null,
  ...extra,
});

/** The web presets by name; Tianditu (CGCS2000, within centimetres of WGS-84) needs the station's key. */
function preset(name: string): TileSourceView | null {
  if (name === 'osm' || name === OSM) return base(OSM, { attribution: '© OpenStreetMap contributors' });
  if (name === 'amap') {
    return base('https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}', {
      attribution: '© 高德地图 AutoNavi',
      crs: 'gcj02',
      subdomains: '1234',
      minZoom: 3,
      maxZoom: 18,
    });
  }
  const tianditu = /^tianditu:(.+)$/.exec(name);
  if (tianditu) {
    return base(TIANDITU('vec', tianditu[1]!), {
      attribution: '© 天地图 Tianditu',
      subdomains: '01234567',
      minZoom: 1,
      maxZoom: 18,
      labelsUrl: TIANDITU('cva', tianditu[1]!),
    });
  }
  return null;
}

export function resolveTiles(o: TileOptions): TileSource {
  const none = { router: null, close: () => {} };
  if (o.mbtiles) return mbtilesSource(o.mbtiles, o);
  if (o.localDir) return folderSource(o.localDir, o);
  const url = o.url ?? null;
  if (url === null || url === '' || url === 'none') return { view: base(null), ...none };
  const known = preset(url);
  const tuned = (v: TileSourceView): TileSourceView => ({
    ...v,
    ...(o.attribution !== undefined ? { attribution: o.attribution } : {}),
    ...(o.subdomains ? { subdomains: o.subdomains } : {}),
    ...(o.maxZoom !== undefined ? { maxZoom: o.maxZoom } : {}),
    ...(o.gcj02 !== undefined ? { crs: o.gcj02 ? 'gcj02' : 'wgs84' } : {}),
  });
  if (known) return { view: tuned(known), ...none };
  if (url.includes('{z}')) return { view: tuned(base(url, url.includes('openstreetmap') ? { attribution: '© OpenStreetMap contributors' } : {})), ...none };
  // Not a template: a folder or an MBTiles file on this machine (`--tiles /srv/tiles`).
  if (url.endsWith('.mbtiles')) return mbtilesSource(url, o);
  if (fs.existsSync(url) && fs.statSync(url).isDirectory()) return folderSource(url, o);
  throw new TileConfigError(
    `tiles "${url}": expected a URL template with {z}/{x}/{y}, "none", "osm", "amap", "tianditu:KEY", a tile folder or an .mbtiles file`,
  );
}

/** Where the browser loads tile images from, for the Content-Security-Policy's img-src. */
export function tileOrigins(view: TileSourceView | undefined): string[] {
  const origins = new Set<string>();
  for (const template of [view?.url, view?.labelsUrl]) {
    if (!template || !/^https?:\/\//.test(template)) continue;
    for (const s of template.includes('{s}') ? [...(view!.subdomains || 'a')] : ['']) {
      origins.add(new URL(template.replaceAll('{s}', s).replace(/\{[^}]+\}/g, '0')).origin);
    }
  }
  return [...origins];
}

function tileRouter(read: (z: number, x: number, y: number) => { data: Buffer; type: string } | null): express.Router {
  const router = express.Router();
  router.get(/.*/, (req, res) => {
    const m = TILE_PATH.exec(req.path);
    if (!m) {
      res.status(400).type('text').send(`tile path "${req.path}": expected /tiles/{z}/{x}/{y}`);
      return;
    }
    const tile = read(Number(m[1]), Number(m[2]), Number(m[3]));
    if (!tile) {
      res.status(404).type('text').send(`no tile ${m[1]}/${m[2]}/${m[3]}`);
      return;
    }
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type(tile.type).send(tile.data);
  });
  return router;
}

function folderSource(dir: string, o: TileOptions): TileSource {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new TileConfigError(`tiles folder "${dir}" does not exist`);
  const zooms = fs.readdirSync(dir).filter((n) => /^\d+$/.test(n)).map(Number);
  if (zooms.length === 0) throw new TileConfigError(`tiles folder "${dir}" has no zoom folders ({z}/{x}/{y}.png)`);
  const read = (z: number, x: number, y: number) => {
    for (const [ext, type] of Object.entries(IMAGE_TYPES)) {
      try {
        return { data: fs.readFileSync(path.join(dir, String(z), String(x), `${y}.${ext}`)), type };
      } catch {
        // not in this format: try the next
      }
    }
    return null;
  };
  const view = base(LOCAL_URL, {
    attribution: o.attribution ?? '',
    crs: o.gcj02 ? 'gcj02' : 'wgs84',
    minZoom: Math.min(...zooms),
    maxZoom: o.maxZoom ?? Math.max(...zooms),
  });
  return { view, router: tileRouter(read), close: () => {} };
}

function mbtilesSource(file: string, o: TileOptions): TileSource {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new TileConfigError(`tiles file "${file}": ${(err as Error).message}`);
  }
  try {
    const meta = new Map((db.prepare('SELECT name, value FROM metadata').all() as { name: string; value: string }[]).map((r) => [r.name, r.value]));
    const format = meta.get('format') ?? 'png';
    const type = IMAGE_TYPES[format];
    if (!type) throw new TileConfigError(`tiles file "${file}": format "${format}" is not a raster image (png, jpg, webp); vector tiles are not supported`);
    const zoom = db.prepare('SELECT MIN(zoom_level) AS min, MAX(zoom_level) AS max FROM tiles').get() as { min: number | null; max: number | null };
    const tile = db.prepare('SELECT tile_data AS data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?');
    // MBTiles rows count from the south (TMS); the web's y counts from the north.
    const read = (z: number, x: number, y: number) => {
      const row = tile.get(z, x, 2 ** z - 1 - y) as { data: Buffer } | undefined;
      return row ? { data: row.data, type } : null;
    };
    const view = base(LOCAL_URL, {
      attribution: o.attribution ?? meta.get('attribution') ?? '',
      crs: o.gcj02 ? 'gcj02' : 'wgs84',
      minZoom: zoom.min ?? 0,
      maxZoom: o.maxZoom ?? zoom.max ?? 19,
    });
    return { view, router: tileRouter(read), close: () => db.close() };
  } catch (err) {
    db.close();
    if (err instanceof TileConfigError) throw err;
    throw new TileConfigError(`tiles file "${file}" is not an MBTiles file: ${(err as Error).message}`);
  }
}
