import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, serviceOptions, type Config } from '../../server/config.ts';
import { waterAreasFromGeoJson, waterAt } from '../../server/patrols/water.ts';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-water-'));
const write = (d: string, name: string, content: unknown) => {
  const f = path.join(d, name);
  fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
};

/** A bay east of the station with an island in it, as a GIS exports it: [lon, lat], rings closed. */
const BAY = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      properties: { name: '隘顽湾' },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [[121.39, 28.36], [121.42, 28.36], [121.42, 28.39], [121.39, 28.39], [121.39, 28.36]],
          [[121.40, 28.37], [121.41, 28.37], [121.41, 28.38], [121.40, 28.38], [121.40, 28.37]],
        ],
      },
    },
    {
      type: 'Feature',
      properties: { 'name:zh': '水库' },
      geometry: {
        type: 'MultiPolygon',
        coordinates: [[[[121.30, 28.30], [121.31, 28.30], [121.31, 28.31], [121.30, 28.30]]], [[[121.32, 28.30], [121.33, 28.30], [121.33, 28.31]]]],
      },
    },
  ],
};

describe('water areas the station declares (a goto to a point over water is refused)', () => {
  it('reads GeoJSON polygons and multipolygons by name; an island inside the water is land', () => {
    const areas = waterAreasFromGeoJson(BAY, 'bay.geojson');
    expect(areas.map((a) => a.name)).toEqual(['隘顽湾', '水库', '水库']);
    expect(areas[0]!.polygon).toHaveLength(4); // the repeated closing position dropped
    expect(areas[0]!.holes).toHaveLength(1);
    expect(waterAt({ lat: 28.365, lon: 121.395 }, areas)?.name).toBe('隘顽湾');
    expect(waterAt({ lat: 28.375, lon: 121.405 }, areas)).toBeNull(); // on the island
    expect(waterAt({ lat: 28.37, lon: 121.38 }, areas)).toBeNull(); // the station, ashore
    expect(waterAt({ lat: 28.302, lon: 121.308 }, areas)?.name).toBe('水库');
  });

  it('refuses a file it cannot use whole, saying where', () => {
    expect(() =>
      waterAreasFromGeoJson(
        { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [121, 28] } }] },
        'f.json',
      )
    )
      .toThrow('f.json, feature 1: a Point; water areas are Polygons or MultiPolygons');
    expect(() => waterAreasFromGeoJson({ type: 'Polygon', coordinates: [[[121.3, 28.3], [28.31, 121.31], [121.32, 28.3]]] }, 'g.json'))
      .toThrow(/g\.json, outer ring, position 1: not a \[lon, lat\] pair/);
    expect(() => waterAreasFromGeoJson({ type: 'Polygon', coordinates: [[[121.3, 28.3], [121.31, 28.3], [121.3, 28.3]]] }, 'h.json'))
      .toThrow('h.json, outer ring: a ring needs at least 3 distinct positions');
    expect(() => waterAreasFromGeoJson({ type: 'FeatureCollection', features: [] }, 'e.json')).toThrow('e.json: no water areas in it');
  });

  it('come from the configuration, inline (as no-fly zones) and from GeoJSON files, and reach the goto checks', () => {
    const d = dir();
    const geo = write(d, 'water.geojson', BAY);
    const config = write(d, 'skybeat.config.json', {
      station: { water: [{ name: 'Jiaojiang estuary', polygon: [[28.60, 121.40], [28.60, 121.50], [28.70, 121.45]] }], waterFiles: [geo] },
    });
    const water = serviceOptions(loadConfig(['--config', config], {}) as Config).station!.water!;
    expect(water.map((w) => w.name)).toEqual(['Jiaojiang estuary', '隘顽湾', '水库', '水库']);
    expect(water[0]!.polygon[0]).toEqual({ lat: 28.6, lon: 121.4 });
    expect(serviceOptions(loadConfig([], {}) as Config).station!.water).toEqual([]);
  });

  it('a water file that is missing or broken stops the start, naming the key and the file', () => {
    const d = dir();
    const missing = write(d, 'a.json', { station: { waterFiles: [path.join(d, 'nope.geojson')] } });
    expect(() => loadConfig(['--config', missing], {})).toThrow(/station\.waterFiles\.0: .*nope\.geojson: no such file/);
    const broken = write(d, 'broken.geojson', '{"type": "Polygon", ');
    const bad = write(d, 'b.json', { station: { waterFiles: [broken] } });
    expect(() => loadConfig(['--config', bad], {})).toThrow(/station\.waterFiles\.0: .*broken\.geojson: not valid JSON/);
    const inline = write(d, 'c.json', { station: { water: [{ name: 'sea', polygon: [[28.6, 121.4], [28.6, 121.5]] }] } });
    expect(() => loadConfig(['--config', inline], {})).toThrow(/station\.water\.0\.polygon: a polygon needs at least 3 points/);
  });
});
