import { CMD } from '../commands.ts';
import { EMPTY_META, emptyFence, homeOrNull, QUADROTOR, type MissionItem, type Route } from '../model.ts';
import { Problems } from '../issues.ts';
import { id as asIs, said } from '../../wire/messages.ts';

/**
 * Mission Planner / QGroundControl "QGC WPL 110" files: a header line, then one line per
 * MAVLink sequence number with 12 tab-separated columns. Line 0 is home when it is a
 * NAV_WAYPOINT (as Mission Planner and ArduPilot write it); a file whose line 0 is another
 * command (PX4-style, e.g. a takeoff) has no home and starts its items at 0.
 */

const COLUMNS = 'INDEX CURRENT FRAME COMMAND P1 P2 P3 P4 LAT LON ALT AUTOCONTINUE';

function number(p: Problems, s: string, where: string, column: string): number {
  if (/^[+-]?nan$/i.test(s)) return NaN;
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v)) p.add(where, said('import_wpl_number', { column: asIs(column), value: s }));
  return v;
}

export function parseWaypoints(text: string, file: string, id: string): Route {
  const p = new Problems(file);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0]?.trim() ?? '';
  if (!/^QGC WPL 110$/.test(header)) {
    p.add('line 1', said('import_wpl_header', { got: header.slice(0, 40) }));
    p.check();
  }
  const rows: { where: string; cols: number[] }[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const where = `line ${n + 1}`;
    const cells = line.includes('\t') ? line.split('\t') : line.trim().split(/\s+/);
    if (cells.at(-1)?.trim() === '') cells.pop(); // a trailing tab
    if (cells.length !== 12) {
      p.add(where, said('import_wpl_columns', { n: cells.length, columns: asIs(COLUMNS) }));
      continue;
    }
    const names = COLUMNS.split(' ');
    const cols = cells.map((c, i) => number(p, c.trim(), where, names[i]!));
    if (cols[0] !== rows.length) p.add(where, said('import_wpl_index', { index: cells[0] ?? '', expected: rows.length }));
    for (const [i, name] of [[1, 'CURRENT'], [2, 'FRAME'], [3, 'COMMAND'], [11, 'AUTOCONTINUE']] as const) {
      if (Number.isFinite(cols[i]) && !Number.isInteger(cols[i])) p.add(where, said('import_wpl_whole', { column: asIs(name), value: cells[i] ?? '' }));
    }
    rows.push({ where, cols });
  }
  p.check();

  const first = rows[0]?.cols;
  const hasHome = first !== undefined && first[3] === CMD.WAYPOINT;
  // DO_JUMP targets are sequence numbers; in our model home is 0, so a home-less file's targets move up by one.
  const jumpShift = hasHome ? 0 : 1;
  const items: MissionItem[] = [];
  const locations: string[] = [];
  for (const { where, cols } of rows.slice(hasHome ? 1 : 0)) {
    const [, , frame, command, p1, p2, p3, p4, lat, lon, alt, auto] = cols as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    items.push({
      command,
      frame,
      params: [command === CMD.DO_JUMP ? p1 + jumpShift : p1, p2, p3, p4],
      lat,
      lon,
      alt,
      autocontinue: auto !== 0,
    });
    locations.push(where);
  }
  return {
    id,
    meta: { ...EMPTY_META },
    vehicleType: QUADROTOR,
    plannedHome: hasHome ? homeOrNull(first[8]!, first[9]!, first[10]!) : null,
    items,
    fence: emptyFence(),
    rally: [],
    plan: null,
    source: { file, format: 'waypoints', locations },
  };
}

const cell = (v: number) => (Number.isNaN(v) ? 'NaN' : String(v));

/** Write a route as QGC WPL 110, home on line 0 (0,0,0 when the route has none). Fence, rally and metadata cannot be written. */
export function exportWaypoints(route: Route): string {
  const h = route.plannedHome ?? { lat: 0, lon: 0, alt: 0 };
  const lines = ['QGC WPL 110', ['0', '1', '0', String(CMD.WAYPOINT), '0', '0', '0', '0', cell(h.lat), cell(h.lon), cell(h.alt), '1'].join('\t')];
  route.items.forEach((it, i) => {
    lines.push([i + 1, 0, it.frame, it.command, ...it.params, it.lat, it.lon, it.alt, it.autocontinue ? 1 : 0].map(cell).join('\t'));
  });
  return `${lines.join('\n')}\n`;
}

/** What a .waypoints file would leave out of this route. */
export function waypointsOmissions(route: Route): string[] {
  const out: string[] = [];
  if (Object.values(route.meta).some(Boolean)) out.push('route metadata (names, station, schedule, notes)');
  const f = route.fence;
  if (f.polygons.length || f.circles.length || f.returnPoint) out.push('geofence');
  if (route.rally.length) out.push('rally points');
  return out;
}
