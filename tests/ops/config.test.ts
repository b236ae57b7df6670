import { describe, expect, it } from 'vitest';
import { configError as fails, configFile as file, loadConfigOf as load } from '../helpers/config.ts';
import { serviceOptions } from '../../server/config.ts';

describe('configuration', () => {
  it('defaults: three simulated drones when no link is given, Wenling station, 120 m ceiling', () => {
    const c = load([]);
    expect(c).toMatchObject({ sim: 3, port: 8080, sysid: 255, compid: 190, links: [], configFile: null });
    expect(c.station).toMatchObject({ lat: 28.37, lon: 121.38, ceilingM: 120, noFly: [] });
  });

  it('file, then environment, then flags', () => {
    const f = file({
      port: 9000,
      links: ['udpin://0.0.0.0:14550'],
      station: { name: '城东派出所', lat: 28.4, lon: 121.4, noFly: [{ name: 'hospital', polygon: [[28.41, 121.41], [28.41, 121.42], [28.40, 121.42]] }] },
      dispatch: { waveSize: 3 },
    });
    const c = load(['--config', f, '--sysid', '250'], { PORT: '9100', SKYBEAT_SYSID: '240' });
    expect(c).toMatchObject({ port: 9100, sysid: 250, sim: 0, links: ['udpin://0.0.0.0:14550'], configFile: f });
    const o = serviceOptions(c);
    expect(o.rules!.noFly).toEqual([{ name: 'hospital', polygon: [{ lat: 28.41, lon: 121.41 }, { lat: 28.41, lon: 121.42 }, { lat: 28.40, lon: 121.42 }] }]);
    expect(o.dispatch).toMatchObject({ waveSize: 3, escalateAfterMs: 60_000, createPerMinute: 20 });
    expect(serviceOptions(load(['--config', file({ dispatch: { createPerMinute: 5 } })])).dispatch).toMatchObject({ createPerMinute: 5 });
    expect(o.station).toEqual({ id: 'main', name: '城东派出所', lat: 28.4, lon: 121.4, radiusKm: 50, water: [] });
  });

  it.each([
    [{ station: { lat: 95 } }, /station\.lat: Too big: expected number to be <=90/],
    [{ dispatch: { waveSize: 0 } }, /dispatch\.waveSize: Too small/],
    [{ dispatch: { createPerMinute: 0 } }, /dispatch\.createPerMinute: Too small/],
    [{ links: ['serial:///dev/ttyUSB0:12'] }, /links\.0: "serial:\/\/\/dev\/ttyUSB0:12": baud rate 12 is not plausible/],
    [{ station: { noFly: [{ name: 'x', polygon: [[1, 2]] }] } }, /station\.noFly\.0\.polygon: a polygon needs at least 3 points/],
    [{ prot: 8080 }, /Unrecognized key: "prot"/],
    [{ logLevel: 'loud' }, /logLevel: Invalid option/],
  ])('names the bad key in the file: %j', (content, message) => {
    const f = file(content);
    expect(fails(['--config', f])).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${message.source}`));
  });

  it('names the bad flag or variable and its value', () => {
    expect(fails(['--port', 'abc'])).toMatch(/^--port "abc": /);
    expect(fails([], { PORT: '70000' })).toMatch(/^PORT "70000": Too big/);
    expect(fails(['--sim=-1'])).toMatch(/^--sim "-1": Too small/);
    expect(fails(['--link', 'bogus://x'])).toMatch(/unknown link type "bogus"/);
    expect(fails(['--tls-cert', 'a.pem'])).toBe('--tls-cert and --tls-key go together: give both, or neither');
    expect(fails(['--frobnicate'])).toMatch(/Unknown option '--frobnicate'/);
    expect(fails(['--config', '/nonexistent/skybeat.json'])).toBe('--config /nonexistent/skybeat.json: no such file');
    const broken = file('{ "port": 80, }');
    expect(fails(['--config', broken])).toMatch(new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
  });
});
