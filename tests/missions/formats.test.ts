import { describe, expect, it } from 'vitest';
import { exportRoute, parseRoute } from '../../server/missions/formats/index.ts';
import { issueText, ParseError } from '../../server/missions/issues.ts';
import { validateRoute } from '../../server/missions/validate.ts';

/** Problems reading a file, as the pilot would see them. */
function problems(text: string, file: string, opts = {}): string[] {
  try {
    parseRoute(text, file, opts);
  } catch (err) {
    if (err instanceof ParseError) return err.issues.map(issueText);
    throw err;
  }
  throw new Error(`${file} was read without complaint`);
}

const LINE = {
  type: 'FeatureCollection',
  features: [{
    type: 'Feature',
    properties: { name: '夜市街', station: '城东派出所', altitude: 45 },
    geometry: { type: 'LineString', coordinates: [[121.3785, 28.3712, 3], [121.3815, 28.3712, 3], [121.3842, 28.3714, 4]] },
  }],
};

describe('GeoJSON patrol lines', () => {
  it("a LineString becomes takeoff, one waypoint per position and RTL at the line's altitude", () => {
    const route = parseRoute(JSON.stringify(LINE), 'market.geojson');
    expect(route.id).toBe('market');
    expect(route.meta).toMatchObject({ nameZh: '夜市街', station: '城东派出所' });
    expect(route.items.map((i) => [i.command, i.frame, i.lat, i.lon, i.alt])).toEqual([
      [22, 3, 0, 0, 45],
      [16, 3, 28.3712, 121.3785, 45],
      [16, 3, 28.3712, 121.3815, 45],
      [16, 3, 28.3714, 121.3842, 45],
      [20, 2, 0, 0, 0],
    ]);
    expect(validateRoute(route).filter((i) => i.level === 'error')).toEqual([]);
    expect(parseRoute(JSON.stringify(LINE), 'market.geojson', { altitude: 55 }).items[1]!.alt).toBe(55);
    // .plan keeps everything, metadata included
    const plan = parseRoute(exportRoute(route, 'plan'), 'market.plan');
    expect([plan.items, plan.meta]).toEqual([route.items, route.meta]);
  });

  it('Polygons become the fence (holes as exclusion zones); a ring that does not close is refused', () => {
    const square = [[121.374, 28.375], [121.385, 28.375], [121.385, 28.365], [121.374, 28.365], [121.374, 28.375]];
    const hole = [[121.379, 28.371], [121.380, 28.371], [121.380, 28.370], [121.379, 28.371]];
    const withFence = {
      ...LINE,
      features: [...LINE.features, { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [square, hole] } }],
    };
    const route = parseRoute(JSON.stringify(withFence), 'fenced.geojson');
    expect(route.fence.polygons.map((p) => [p.inclusion, p.vertices.length])).toEqual([[true, 4], [false, 3]]);
    const open = {
      ...LINE,
      features: [...LINE.features, { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [square.slice(0, 4)] } }],
    };
    expect(problems(JSON.stringify(open), 'open.geojson')).toEqual([
      'open.geojson: features[1].geometry.coordinates[0]: fence polygon is not closed: its last position must repeat the first',
    ]);
  });

  it('refuses what it cannot fly, saying where', () => {
    expect(problems('{"type": "FeatureCollection", "features": [\n  {"type": "Feature",}\n]}', 'bad.geojson')[0])
      .toMatch(/^bad\.geojson: not valid JSON at line 2, column \d+: /);
    const two = { ...LINE, features: [LINE.features[0], LINE.features[0]] };
    expect(problems(JSON.stringify(two), 'two.geojson')).toEqual([
      'two.geojson: features[1].geometry: a route is one line: this file has more than one LineString',
    ]);
    const point = { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [121.38, 28.37] } };
    expect(problems(JSON.stringify(point), 'pt.geojson')).toEqual([
      'pt.geojson: geometry: "Point" is not used: a route file holds one LineString (the patrol line) and Polygons (the fence)',
    ]);
    const badAlt = { ...LINE.features[0], properties: { altitude: 'high' } };
    expect(problems(JSON.stringify(badAlt), 'alt.geojson')).toEqual([
      'alt.geojson: properties.altitude: expected metres above home (a positive number), got "high"',
    ]);
  });

  it('[lat, lon] written where GeoJSON wants [lon, lat] is caught by validation at that position', () => {
    const swapped = { type: 'LineString', coordinates: [[28.3712, 121.3785], [28.3712, 121.3815]] };
    const issues = validateRoute(parseRoute(JSON.stringify(swapped), 'swapped.geojson')).filter((i) => i.level === 'error');
    expect(issues.map(issueText)).toEqual([
      'swapped.geojson: coordinates[0]: latitude 121.3785 out of range (-90..90) — lat/lon swapped?',
      'swapped.geojson: coordinates[1]: latitude 121.3815 out of range (-90..90) — lat/lon swapped?',
    ]);
  });
});

const KML = `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>
  <Placemark><name>Riverside path</name>
    <ExtendedData><Data name="altitude"><value>35</value></Data><Data name="nameZh"><value>河滨步道</value></Data></ExtendedData>
    <LineString><coordinates>
      121.3762,28.3682,0 121.3790,28.3671,0
      121.3820,28.3665,0
    </coordinates></LineString>
  </Placemark>
  <Placemark><name>zone</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
    121.374,28.375 121.385,28.375 121.385,28.365 121.374,28.375
  </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Folder></Document></kml>`;

describe('KML patrol lines', () => {
  it('a LineString placemark becomes a route; <name> and ExtendedData fill the metadata and altitude', () => {
    const route = parseRoute(KML, 'riverside.kml');
    expect(route.meta).toMatchObject({ nameEn: 'Riverside path', nameZh: '河滨步道' });
    expect(route.items.map((i) => [i.command, i.lat, i.lon, i.alt])).toEqual([
      [22, 0, 0, 35],
      [16, 28.3682, 121.3762, 35],
      [16, 28.3671, 121.379, 35],
      [16, 28.3665, 121.382, 35],
      [20, 0, 0, 0],
    ]);
    expect(route.fence.polygons).toHaveLength(1);
    expect(route.source.locations[1]).toBe('Placemark[0] "Riverside path".LineString[0] coordinates[0]');
  });

  it('broken XML and bad coordinates are refused with their place', () => {
    expect(problems('<kml><Document>\n<Placemark></Document></kml>', 'broken.kml')[0]).toMatch(/^broken\.kml: line 2, column \d+: not valid XML: /);
    const bad = KML.replace('121.3790,28.3671,0', '121.3790;28.3671');
    expect(problems(bad, 'bad.kml')).toEqual([
      'bad.kml: Placemark[0] "Riverside path".LineString[0] coordinates[1]: "121.3790;28.3671" is not "longitude,latitude[,altitude]"',
    ]);
    expect(problems('<kml><Document/></kml>', 'empty.kml')).toEqual(['empty.kml: no LineString placemark: draw the patrol as a path']);
  });
});

describe('QGroundControl .plan and QGC WPL 110 errors name the place', () => {
  it('.plan', () => {
    expect(problems('{\n  "fileType": "Plan",\n  "version": 1,\n}', 'x.plan')[0]).toMatch(/^x\.plan: not valid JSON at line 4, column 1: /);
    const plan = (items: unknown[]) => JSON.stringify({ fileType: 'Plan', version: 1, mission: { version: 2, items } });
    expect(problems(plan([{ type: 'SimpleItem', command: 16, frame: 3, autoContinue: true, params: [0, 0, 0] }]), 'p.plan'))
      .toEqual(['p.plan: mission.items[0].params: expected 7 values (param1-4, lat, lon, alt), got [0,0,0]']);
    expect(problems(plan([{ type: 'SimpleItem', params: [0, 0, 0, 0, 1, 2, 3] }]), 'p.plan')).toEqual(['p.plan: mission.items[0]: missing "command", "frame"']);
    expect(problems(plan([{ type: 'SimpleItem', command: 16, frame: 3, params: [0, 0, 0, 0, '28.37', 121.38, 30] }]), 'p.plan'))
      .toEqual(['p.plan: mission.items[0].params[4]: expected a number or null, got "28.37"']);
    expect(problems(plan([{ type: 'Waypoint' }]), 'p.plan')).toEqual([
      'p.plan: mission.items[0]: item type "Waypoint" is not understood (SimpleItem or ComplexItem)',
    ]);
  });

  it('.waypoints', () => {
    expect(problems('QGC WPL 120\n', 'w.waypoints')).toEqual(['w.waypoints: line 1: expected the header "QGC WPL 110", got "QGC WPL 120"']);
    const wpl = (...lines: string[]) => ['QGC WPL 110', ...lines].join('\n');
    const home = '0\t1\t0\t16\t0\t0\t0\t0\t28.37\t121.38\t10\t1';
    expect(problems(wpl(home, '1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t30'), 'w.waypoints'))
      .toEqual(['w.waypoints: line 3: 11 columns, expected 12 (INDEX CURRENT FRAME COMMAND P1 P2 P3 P4 LAT LON ALT AUTOCONTINUE)']);
    expect(problems(wpl(home, '1\t0\t3\t22\t0\t0\t0\t0\t0\tx\t30\t1'), 'w.waypoints')).toEqual(['w.waypoints: line 3: LON "x" is not a number']);
    expect(problems(wpl(home, '2\t0\t3\t22\t0\t0\t0\t0\t0\t0\t30\t1'), 'w.waypoints'))
      .toEqual(['w.waypoints: line 3: index 2, expected 1 (lines are numbered 0, 1, 2, ...)']);
    expect(problems(wpl(home, '1\t0\t3.5\t22\t0\t0\t0\t0\t0\t0\t30\t1'), 'w.waypoints')).toEqual(['w.waypoints: line 3: FRAME "3.5" is not a whole number']);
  });

  it('DO_JUMP targets keep pointing at the same item in a file without a home line', () => {
    const px4 = [
      'QGC WPL 110',
      '0\t1\t3\t22\t0\t0\t0\t0\t0\t0\t30\t1',
      '1\t0\t3\t16\t0\t0\t0\t0\t28.371\t121.38\t30\t1',
      '2\t0\t2\t177\t1\t2\t0\t0\t0\t0\t0\t1',
    ].join('\n');
    const route = parseRoute(px4, 'jump.waypoints');
    // Target seq 1 in a home-less file is the waypoint, items[1], which is seq 2 counting home as 0.
    expect(route.items[2]!.params.slice(0, 2)).toEqual([2, 2]);
    expect(validateRoute(route).filter((i) => i.level === 'error')).toEqual([]);
    expect(parseRoute(exportRoute(route, 'waypoints'), 'jump.waypoints').items).toEqual(route.items);
  });
});
