import { isDeepStrictEqual } from 'node:util';
import {
  EMPTY_META,
  emptyFence,
  homeOrNull,
  QUADROTOR,
  type Fence,
  type GeoPoint,
  type MissionItem,
  type PlanExtras,
  type Route,
  type RouteMeta,
} from '../model.ts';
import { asWritten, Problems } from '../issues.ts';
import { id, said, verbatim, type ServerMessage } from '../../wire/messages.ts';

/**
 * QGroundControl .plan files (JSON, plan version 1, mission version 2). Survey complex items are
 * expanded into the simple items QGroundControl saved with them, and written back as they were
 * while those items are unchanged. SkyBeat's metadata lives under "skybeat".
 */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** Complex item types whose saved form holds their mission items, with the version we understand. */
const COMPLEX_WITH_ITEMS: Record<string, number> = { survey: 5 };
const META_KEYS = Object.keys(EMPTY_META) as (keyof RouteMeta)[];

/** Where the JSON breaks, and the parser's own words for it. */
export function jsonError(text: string, err: Error): ServerMessage {
  const detail = verbatim(err.message, 'parser');
  const pos = /position (\d+)/.exec(err.message);
  if (!pos) return said('import_json', { detail });
  const before = text.slice(0, Number(pos[1]));
  const line = before.split('\n').length;
  return said('import_json_at', { line, column: before.length - before.lastIndexOf('\n'), detail });
}

function num(p: Problems, v: unknown, where: string, allowNull: boolean): number {
  if (v === null && allowNull) return NaN;
  if (isNum(v)) return v;
  p.add(where, said(allowNull ? 'import_expected_number_or_null' : 'import_expected_number', { got: asWritten(v) }));
  return NaN;
}

function simpleItem(p: Problems, j: unknown, where: string): MissionItem | null {
  if (!isObj(j)) {
    p.add(where, said('import_not_object'));
    return null;
  }
  const missing = ['command', 'frame', 'params'].filter((key) => !(key in j));
  if (missing.length) {
    p.add(where, said('import_missing', { keys: missing.map((k) => id(`"${k}"`)) }));
    return null;
  }
  const params = j.params;
  if (!Array.isArray(params) || params.length !== 7) {
    p.add(`${where}.params`, said('import_params', { got: asWritten(params) }));
    return null;
  }
  if (!Number.isInteger(j.command)) p.add(`${where}.command`, said('import_command_number', { got: asWritten(j.command) }));
  if (!Number.isInteger(j.frame)) p.add(`${where}.frame`, said('import_frame_number', { got: asWritten(j.frame) }));
  const v = params.map((x, i) => num(p, x, `${where}.params[${i}]`, true));
  return {
    command: j.command as number,
    frame: j.frame as number,
    params: [v[0]!, v[1]!, v[2]!, v[3]!],
    lat: v[4]!,
    lon: v[5]!,
    alt: v[6]!,
    autocontinue: j.autoContinue !== false,
  };
}

function complexItem(p: Problems, j: Json, where: string): MissionItem[] | null {
  const type = String(j.complexItemType);
  const known = COMPLEX_WITH_ITEMS[type];
  if (known === undefined) {
    p.add(where, said('import_complex_unsupported', { type: id(type) }));
    return null;
  }
  if (j.version !== known) {
    p.add(where, said('import_complex_version', { type: id(type), version: asWritten(j.version), known }));
    return null;
  }
  const inner = isObj(j.TransectStyleComplexItem) ? j.TransectStyleComplexItem.Items : undefined;
  if (!Array.isArray(inner) || inner.length === 0) {
    p.add(`${where}.TransectStyleComplexItem`, said('import_complex_no_items', { type: id(type) }));
    return null;
  }
  const items = inner.map((x, i) => simpleItem(p, x, `${where}.TransectStyleComplexItem.Items[${i}]`));
  return items.every((x) => x) ? items as MissionItem[] : null;
}

function latLon(p: Problems, v: unknown, where: string): { lat: number; lon: number } {
  if (!Array.isArray(v) || v.length < 2) {
    p.add(where, said('import_expected_lat_lon', { got: asWritten(v) }));
    return { lat: NaN, lon: NaN };
  }
  return { lat: num(p, v[0], where, false), lon: num(p, v[1], where, false) };
}

function point3(p: Problems, v: unknown, where: string): GeoPoint {
  const { lat, lon } = latLon(p, v, where);
  const alt = Array.isArray(v) ? num(p, v[2], where, false) : NaN;
  return { lat, lon, alt };
}

function readFence(p: Problems, j: unknown): Fence {
  const fence = emptyFence();
  if (j === undefined) return fence;
  if (!isObj(j)) {
    p.add('geoFence', said('import_not_object'));
    return fence;
  }
  if (j.version === 1) {
    // Old QGroundControl: one inclusion polygon under "polygon".
    const pts = Array.isArray(j.polygon) ? j.polygon : [];
    if (pts.length) fence.polygons.push({ inclusion: true, vertices: pts.map((v, i) => latLon(p, v, `geoFence.polygon[${i}]`)) });
    return fence;
  }
  if (j.version !== 2) {
    p.add('geoFence.version', said('import_fence_version', { version: asWritten(j.version) }));
    return fence;
  }
  for (const [i, poly] of (Array.isArray(j.polygons) ? j.polygons : []).entries()) {
    const where = `geoFence.polygons[${i}]`;
    const pts = isObj(poly) && Array.isArray(poly.polygon) ? poly.polygon : null;
    if (!pts) p.add(where, said('import_missing_polygon'));
    else fence.polygons.push({ inclusion: poly.inclusion !== false, vertices: pts.map((v, k) => latLon(p, v, `${where}.polygon[${k}]`)) });
  }
  for (const [i, c] of (Array.isArray(j.circles) ? j.circles : []).entries()) {
    const where = `geoFence.circles[${i}]`;
    const circle = isObj(c) && isObj(c.circle) ? c.circle : null;
    if (!circle) {
      p.add(where, said('import_missing_circle'));
      continue;
    }
    const center = latLon(p, circle.center, `${where}.circle.center`);
    fence.circles.push({ inclusion: c.inclusion !== false, ...center, radius: num(p, circle.radius, `${where}.circle.radius`, false) });
  }
  if (j.breachReturn !== undefined) fence.returnPoint = point3(p, j.breachReturn, 'geoFence.breachReturn');
  return fence;
}

function readRally(p: Problems, j: unknown): GeoPoint[] {
  if (j === undefined) return [];
  if (!isObj(j) || (j.version !== 1 && j.version !== 2)) {
    p.add('rallyPoints', said('import_rally_version', { version: asWritten(isObj(j) ? j.version : j) }));
    return [];
  }
  return (Array.isArray(j.points) ? j.points : []).map((v, i) => point3(p, v, `rallyPoints.points[${i}]`));
}

function readMeta(p: Problems, j: unknown): RouteMeta {
  const meta = { ...EMPTY_META };
  if (j === undefined) return meta;
  if (!isObj(j)) {
    p.add('skybeat', said('import_meta_object'));
    return meta;
  }
  for (const k of META_KEYS) {
    if (j[k] === undefined) continue;
    if (typeof j[k] === 'string') meta[k] = j[k];
    else p.add(`skybeat.${k}`, said('import_expected_text', { got: asWritten(j[k]) }));
  }
  return meta;
}

export function parsePlan(text: string, file: string, id: string): Route {
  const p = new Problems(file);
  let root: unknown;
  try {
    root = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    p.add('', jsonError(text, err as Error));
    p.check();
  }
  if (!isObj(root)) {
    p.add('', said('import_not_plan'));
    p.check();
  }
  const r = root as Json;
  if (r.fileType !== 'Plan') p.add('fileType', said('import_file_type', { got: asWritten(r.fileType) }));
  if (r.version !== 1) p.add('version', said('import_plan_version', { version: asWritten(r.version) }));
  const m = r.mission;
  if (!isObj(m)) {
    p.add('mission', said('import_no_mission'));
    p.check();
  }
  const mission = m as Json;
  if (mission.version !== 2) p.add('mission.version', said('import_mission_version', { version: asWritten(mission.version) }));
  if (!Array.isArray(mission.items)) p.add('mission.items', said('import_not_a_list'));
  p.check();

  const items: MissionItem[] = [];
  const locations: string[] = [];
  const complexItems: PlanExtras['complexItems'] = [];
  for (const [i, j] of (mission.items as unknown[]).entries()) {
    const where = `mission.items[${i}]`;
    const type = isObj(j) ? j.type : undefined;
    if (type === 'SimpleItem') {
      const it = simpleItem(p, j, where);
      if (it) {
        items.push(it);
        locations.push(where);
      }
    } else if (type === 'ComplexItem') {
      const expanded = complexItem(p, j as Json, where);
      if (expanded) {
        complexItems.push({ at: items.length, items: structuredClone(expanded), json: j });
        expanded.forEach((it, k) => {
          items.push(it);
          locations.push(`${where}.TransectStyleComplexItem.Items[${k}]`);
        });
      }
    } else {
      p.add(where, said('import_item_type', { type: asWritten(type) }));
    }
  }
  let plannedHome: GeoPoint | null = null;
  if (mission.plannedHomePosition !== undefined) {
    const h = point3(p, mission.plannedHomePosition, 'mission.plannedHomePosition');
    plannedHome = homeOrNull(h.lat, h.lon, h.alt);
  }
  const fence = readFence(p, r.geoFence);
  const rally = readRally(p, r.rallyPoints);
  const meta = readMeta(p, r.skybeat);
  p.check();
  const optNum = (v: unknown) => (isNum(v) ? v : null);
  return {
    id,
    meta,
    vehicleType: Number.isInteger(mission.vehicleType) ? mission.vehicleType as number : QUADROTOR,
    plannedHome,
    items,
    fence,
    rally,
    plan: {
      firmwareType: Number.isInteger(mission.firmwareType) ? mission.firmwareType as number : 3,
      cruiseSpeed: optNum(mission.cruiseSpeed),
      hoverSpeed: optNum(mission.hoverSpeed),
      globalPlanAltitudeMode: optNum(mission.globalPlanAltitudeMode),
      complexItems,
    },
    source: { file, format: 'plan', locations },
  };
}

const nullNaN = (v: number) => (Number.isNaN(v) ? null : v);

function simpleJson(it: MissionItem, seq: number): Json {
  return {
    autoContinue: it.autocontinue,
    command: it.command,
    doJumpId: seq,
    frame: it.frame,
    params: [...it.params, it.lat, it.lon, it.alt].map(nullNaN),
    type: 'SimpleItem',
  };
}

/** Mission items as .plan JSON, re-using a complex item where its expansion is unchanged. */
function itemsJson(route: Route): unknown[] {
  const out: unknown[] = [];
  const complex = new Map((route.plan?.complexItems ?? []).map((c) => [c.at, c]));
  for (let i = 0; i < route.items.length;) {
    const c = complex.get(i);
    if (c && isDeepStrictEqual(route.items.slice(i, i + c.items.length), c.items)) {
      out.push(c.json);
      i += c.items.length;
    } else {
      out.push(simpleJson(route.items[i]!, i + 1)); // doJumpId = sequence number, home being 0
      i++;
    }
  }
  return out;
}

export function exportPlan(route: Route): string {
  const home = route.plannedHome ?? { lat: 0, lon: 0, alt: 0 };
  const plan = route.plan;
  const fence: Json = {
    circles: route.fence.circles.map((c) => ({ circle: { center: [c.lat, c.lon], radius: c.radius }, inclusion: c.inclusion, version: 1 })),
    polygons: route.fence.polygons.map((poly) => ({ inclusion: poly.inclusion, polygon: poly.vertices.map((v) => [v.lat, v.lon]), version: 1 })),
    version: 2,
  };
  const rp = route.fence.returnPoint;
  if (rp) fence.breachReturn = [rp.lat, rp.lon, rp.alt];
  const mission: Json = {
    cruiseSpeed: plan?.cruiseSpeed ?? 15,
    firmwareType: plan?.firmwareType ?? 3,
    globalPlanAltitudeMode: plan?.globalPlanAltitudeMode ?? 1,
    hoverSpeed: plan?.hoverSpeed ?? 5,
    items: itemsJson(route),
    plannedHomePosition: [home.lat, home.lon, home.alt],
    vehicleType: route.vehicleType,
    version: 2,
  };
  const doc = {
    fileType: 'Plan',
    geoFence: fence,
    groundStation: 'SkyBeat',
    mission,
    rallyPoints: { points: route.rally.map((r) => [r.lat, r.lon, r.alt]), version: 2 },
    skybeat: route.meta,
    version: 1,
  };
  return `${JSON.stringify(doc, null, 4)}\n`;
}
