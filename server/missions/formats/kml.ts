import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EMPTY_META, type FencePolygon, type Route, type RouteMeta } from '../model.ts';
import { Problems, RefusedFile } from '../issues.ts';
import { said, verbatim } from '../../wire/messages.ts';
import { lineRoute, nameMeta, type DrawnRoute, type LineImportOptions } from './line-route.ts';

/**
 * KML patrol lines (Google Earth, QGIS, Ovital/奥维 exports): exactly one LineString placemark
 * is the route; Polygons become fence polygons. Metadata and "altitude" come from the
 * placemark's <name> and <ExtendedData>.
 */

type Node = Record<string, unknown>;
const LISTS = new Set([
  'Document',
  'Folder',
  'Placemark',
  'MultiGeometry',
  'LineString',
  'Polygon',
  'Point',
  'innerBoundaryIs',
  'Data',
  'SchemaData',
  'SimpleData',
]);
/** Google Earth and QGIS nest folders a few levels deep; far deeper is an attack on the parser. */
const MAX_DEPTH = 64;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => LISTS.has(name),
  maxNestedTags: MAX_DEPTH,
  // Coordinates are plain numbers: taken whole, not read character by character as text to
  // decode (a 1 MB line took the parser ~300 ms that way, ~40 ms so).
  stopNodes: ['..coordinates'],
});
const META_KEYS = Object.keys(EMPTY_META) as (keyof RouteMeta)[];

const list = (v: unknown): Node[] => (Array.isArray(v) ? v.filter((x): x is Node => typeof x === 'object' && x !== null) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v && '#text' in v ? String((v as Node)['#text']) : '');

/** Every placemark, however its folders are nested (no deeper than the parser lets through). */
function placemarks(root: Node): Node[] {
  const found: Node[] = [];
  const visit = (node: Node) => {
    for (const pm of list(node.Placemark)) found.push(pm);
    for (const child of [...list(node.Document), ...list(node.Folder)]) visit(child);
  };
  visit(root);
  return found;
}

/** One "lon,lat[,alt]" and the white space after it, matched where the last one ended. */
const TUPLE = /([^\s,]+),([^\s,]+)(?:,[^\s,]*)?(?:\s+|$)/y;

/** "lon,lat[,alt] lon,lat[,alt] …": a line may have hundreds of thousands, so one sticky regex, no array per tuple. */
function coordinates(p: Problems, s: string, where: string): { lon: number; lat: number }[] | null {
  const out = [];
  const all = s.trim();
  const re = new RegExp(TUPLE);
  while (re.lastIndex < all.length) {
    const at = re.lastIndex;
    const m = re.exec(all);
    const [lon, lat] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) {
      p.add(`${where}[${out.length}]`, said('import_kml_tuple', { got: all.slice(at).split(/\s/, 1)[0] ?? '' }));
      return null;
    }
    out.push({ lon, lat });
  }
  return out;
}

function extendedData(pm: Node): Record<string, string> {
  const ext = (pm.ExtendedData ?? {}) as Node;
  const pairs: Record<string, string> = {};
  for (const d of list(ext.Data)) pairs[String(d['@_name'])] = text(d.value).trim();
  for (const sd of list(ext.SchemaData)) {
    for (const d of list(sd.SimpleData)) pairs[String(d['@_name'])] = text(d).trim();
  }
  return pairs;
}

function polygon(p: Problems, poly: Node, where: string, inclusion: boolean, out: FencePolygon[]): void {
  const ring = (b: unknown) => text(((b as Node | undefined)?.LinearRing as Node | undefined)?.coordinates);
  const rings = [{ s: ring(poly.outerBoundaryIs), where: `${where}.outerBoundaryIs`, inclusion }];
  list(poly.innerBoundaryIs).forEach((b, i) => rings.push({ s: ring(b), where: `${where}.innerBoundaryIs[${i}]`, inclusion: false }));
  for (const r of rings) {
    const pts = coordinates(p, r.s, `${r.where} coordinates`);
    if (!pts) continue;
    const [first, last] = [pts[0], pts.at(-1)];
    if (!first || !last || first.lat !== last.lat || first.lon !== last.lon) p.add(r.where, said('import_fence_open'));
    else if (pts.length < 4) p.add(r.where, said('import_fence_corners', { n: pts.length - 1 }));
    else out.push({ inclusion: r.inclusion, vertices: pts.slice(0, -1).map(({ lat, lon }) => ({ lat, lon })) });
  }
}

function geometries(p: Problems, g: Node, where: string, drawn: DrawnRoute, data: Record<string, string>): boolean {
  let line = false;
  list(g.LineString).forEach((ls, i) => {
    const w = `${where}.LineString[${i}] coordinates`;
    if (drawn.line.length) p.add(w, said('import_one_line'));
    else [drawn.line, drawn.lineAt] = [coordinates(p, text(ls.coordinates), w) ?? [], w];
    line = true;
  });
  list(g.Polygon).forEach((poly, i) => polygon(p, poly, `${where}.Polygon[${i}]`, data.inclusion !== 'false', drawn.polygons));
  if (list(g.Point).length) p.add(where, said('import_kml_point'));
  list(g.MultiGeometry).forEach((m, i) => {
    line = geometries(p, m, `${where}.MultiGeometry[${i}]`, drawn, data) || line;
  });
  return line;
}

const lineAt = (source: string, index: number) => `line ${source.slice(0, index).split('\n').length}`;

/**
 * KML has no DTD, so a DOCTYPE is refused before the parser sees it: its entities can name
 * files on this server (external entities) or expand a few bytes into gigabytes.
 */
function refuseDoctype(source: string, file: string): void {
  const at = source.search(/<!DOCTYPE/i);
  if (at >= 0) {
    throw new RefusedFile(
      file,
      lineAt(source, at),
      said('import_doctype'),
    );
  }
}

function parseXml(source: string, file: string): Node {
  try {
    return parser.parse(source) as Node;
  } catch (err) {
    const message = (err as Error).message;
    if (/nested tags/i.test(message))
      throw new RefusedFile(file, '', said('import_too_deep', { depth: MAX_DEPTH }));
    throw new RefusedFile(file, '', said('import_xml_refused', { detail: verbatim(message, 'parser') }));
  }
}

export function parseKml(source: string, file: string, id: string, opts: LineImportOptions = {}): Route {
  const p = new Problems(file);
  refuseDoctype(source, file);
  const valid = XMLValidator.validate(source);
  if (valid !== true) {
    p.add(`line ${valid.err.line}, column ${valid.err.col}`, said('import_xml', { detail: verbatim(valid.err.msg, 'parser') }));
    p.check();
  }
  const root = parseXml(source, file);
  const kml = root.kml as Node | undefined;
  if (!kml || typeof kml !== 'object') {
    p.add('', said('import_not_kml'));
    p.check();
  }
  const drawn: DrawnRoute = { line: [], lineAt: '', polygons: [], meta: {}, altitude: undefined };
  placemarks(kml as Node).forEach((pm, i) => {
    const name = text(pm.name).trim();
    const where = `Placemark[${i}]${name ? ` "${name}"` : ''}`;
    const data = extendedData(pm);
    if (!geometries(p, pm, where, drawn, data)) return;
    Object.assign(drawn.meta, nameMeta(name || undefined));
    for (const k of META_KEYS) if (data[k]) drawn.meta[k] = data[k];
    if (data.altitude !== undefined) {
      const alt = Number(data.altitude);
      if (alt > 0) drawn.altitude = alt;
      else p.add(`${where} ExtendedData altitude`, said('import_kml_altitude', { got: data.altitude ?? '' }));
    }
  });
  if (!drawn.line.length && !p.list.length) p.add('', said('import_no_placemark'));
  p.check();
  return lineRoute(drawn, opts, file, id, 'kml');
}
