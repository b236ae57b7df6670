/**
 * The other nodes' drones as a node keeps them (server/http/remote-fleet.ts), in its own time: a
 * silent node's drones shown lost, then forgotten; a drone following its link to another node; a
 * node's own drone never shown twice; a drone's station known from its link while it is not heard;
 * a silent node's station kept, marked silent.
 */
import { describe, expect, it } from 'vitest';
import { NODE_SILENT_MS, RemoteFleet } from '../../server/http/remote-fleet.ts';
import type { VehicleView } from '../../server/wire/types.ts';

const T0 = Date.UTC(2026, 11, 4, 20);
const view = (id: string, station = 'hf'): VehicleView => ({ id, station, link: { lost: false } } as unknown as VehicleView);
const none = () => false;
const STATION = { id: 'hf', name: '城东派出所', code: 'HF', timeZone: 'Asia/Shanghai', lat: 28.37, lon: 121.38, radiusKm: 5, patrolsRunning: 1 };

describe("the other nodes' drones", () => {
  it('are shown as their node sent them; lost once the node is silent past NODE_SILENT_MS; forgotten after two minutes', () => {
    const r = new RemoteFleet();
    r.apply('hf', [view('hf1-1'), view('hf1-2')], true, T0, none);
    expect(r.views(T0).map((v) => [v.id, v.link.lost])).toEqual([['hf1-1', false], ['hf1-2', false]]);
    expect(r.ownerOf('hf1-1')).toBe('hf');
    expect(r.views(T0 + NODE_SILENT_MS).every((v) => !v.link.lost)).toBe(true);
    expect(r.views(T0 + NODE_SILENT_MS + 1).map((v) => [v.link.lost, v.health])).toEqual([[true, 'lost'], [true, 'lost']]);
    expect(r.views(T0 + 120_000)).toHaveLength(2);
    expect(r.views(T0 + 120_001)).toEqual([]);
    expect(r.ownerOf('hf1-1')).toBeNull();
  });

  it('a full snapshot replaces what its node serves; an update only adds', () => {
    const r = new RemoteFleet();
    r.apply('hf', [view('hf1-1'), view('hf1-2')], true, T0, none);
    r.apply('hf', [view('hf1-3')], false, T0 + 10, none);
    expect(r.views(T0 + 10).map((v) => v.id)).toEqual(['hf1-1', 'hf1-2', 'hf1-3']);
    r.apply('hf', [view('hf1-2')], true, T0 + 20, none);
    expect(r.views(T0 + 20).map((v) => v.id)).toEqual(['hf1-2']);
  });

  it("a drone follows its link to the node that sent it last (failover), and one this node serves is never another's", () => {
    const r = new RemoteFleet();
    r.apply('hf', [view('hf1-1')], true, T0, none);
    r.apply('hfb', [view('hf1-1')], false, T0 + 7000, none);
    expect(r.ownerOf('hf1-1')).toBe('hfb');
    // what another node says of a drone this node serves itself is not shown, nor taken as its owner
    const shown = r.apply('centre', [view('c1-1'), view('hf1-1')], false, T0 + 7001, (id) => id === 'c1-1');
    expect(shown.map((v) => v.id)).toEqual(['hf1-1']);
    expect(r.ownerOf('c1-1')).toBeNull();
    expect(r.ownerOf('hf1-1')).toBe('centre');
  });

  it("knows a drone's station from its link while the drone is not heard, and each node's station", () => {
    const r = new RemoteFleet();
    r.node('hf', STATION, ['hf1', 'sim-hf']);
    expect(r.stationOf('hf1-7')).toBe('hf');
    expect(r.stationOf('sim-hf-2')).toBe('hf');
    expect(r.stationOf('wl1-1')).toBeNull();
    r.apply('hf', [], true, T0, none);
    expect(r.stations(T0 + NODE_SILENT_MS)).toEqual([{ ...STATION, node: 'hf', silent: false }]);
    // Silent, the station stays (its area is still its own: incidents there, its routes), flying nothing.
    expect(r.stations(T0 + NODE_SILENT_MS + 1)).toEqual([{ ...STATION, node: 'hf', silent: true, patrolsRunning: 0 }]);
    expect(r.stations(T0 + 24 * 3600_000)).toEqual([{ ...STATION, node: 'hf', silent: true, patrolsRunning: 0 }]);
    // …and heard again, as it says.
    r.apply('hf', [], true, T0 + 24 * 3600_000, none);
    expect(r.stations(T0 + 24 * 3600_000)).toEqual([{ ...STATION, node: 'hf', silent: false }]);
  });
});
