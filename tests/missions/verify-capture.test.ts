import fs from 'node:fs';
import { common } from 'node-mavlink';
import { expect, it } from 'vitest';
import { parseTlog } from '../../server/links/tlog.ts';
import { decode } from '../../server/mavlink/codec.ts';
import { Framer, type Frame } from '../../server/mavlink/framer.ts';
import { parseRoute } from '../../server/missions/formats/index.ts';
import { compareRows } from '../../server/missions/protocol/verify.ts';
import { routeToWire, wireOf, type WireItem } from '../../server/missions/protocol/wire.ts';
import { validateRoute } from '../../server/missions/validate.ts';
import { describeWithFixtures, fixture } from '../helpers/shared.ts';

/**
 * The real ArduCopter capture (fixtures/ardupilot/mission-flight.*): the mission the ground
 * station sent and the copy the copter returned differ in raw fields (item 0 is the real home,
 * the RTL's frame 2 came back 0) yet are the same mission; a real change is still caught.
 */

function capturedRows(): { sent: WireItem[]; got: WireItem[] } {
  const frames: Frame[] = [];
  const framer = new Framer((f) => frames.push(f));
  for (const r of parseTlog(fs.readFileSync(fixture('ardupilot', 'mission-flight.tlog')))) framer.push(r.packet);
  const items = frames.filter((f) => f.msgid === 73).map((f) => ({ sysid: f.sysid, row: wireOf(decode(f) as common.MissionItemInt) }));
  return { sent: items.filter((i) => i.sysid === 255).map((i) => i.row), got: items.filter((i) => i.sysid === 1).map((i) => i.row) };
}

describeWithFixtures('verifying a read-back the way ArduCopter really returns it', () => {
  it('the captured upload and read-back differ field by field but verify as the same mission', () => {
    const { sent, got } = capturedRows();
    expect([sent.length, got.length]).toEqual([6, 6]);
    expect(sent[0]!.z).toBe(0); // placeholder out,
    expect(got[0]!.z).toBeCloseTo(10.1, 5); // the real home (10.1 m AMSL) back
    expect([sent[5]!.frame, got[5]!.frame]).toEqual([2, 0]); // RTL: MISSION frame out, 0 back
    expect(compareRows(sent, got, 'mission', 'ardupilot')).toBeNull();
  });

  it('what matters is still compared: altitude, frame kind, place, command, count', () => {
    const { sent, got } = capturedRows();
    const change = (seq: number, patch: Partial<WireItem>) => got.map((r) => (r.seq === seq ? { ...r, ...patch } : r));
    expect(compareRows(sent, change(3, { z: 35 }), 'mission', 'ardupilot')).toEqual({ seq: 3, field: 'altitude', expected: '30', got: '35' });
    expect(compareRows(sent, change(2, { frame: 0 }), 'mission', 'ardupilot'))
      .toEqual({ seq: 2, field: 'frame', expected: '3 GLOBAL_RELATIVE_ALT', got: '0 GLOBAL' });
    expect(compareRows(sent, change(4, { y: got[4]!.y + 1 }), 'mission', 'ardupilot'))
      .toEqual({ seq: 4, field: 'longitude', expected: '121.3825', got: '121.3825001' });
    expect(compareRows(sent, change(1, { command: 16 }), 'mission', 'ardupilot'))
      .toEqual({ seq: 1, field: 'command', expected: 'NAV_TAKEOFF', got: 'NAV_WAYPOINT' });
    expect(compareRows(sent, got.slice(0, 5), 'mission', 'ardupilot')).toEqual({ seq: 5, field: 'count', expected: '6', got: '5' });
    // The same read-back against a vehicle that keeps item 0 as a mission item: home is compared too.
    expect(compareRows(sent, got, 'mission', 'px4')).toMatchObject({ seq: 0, field: 'altitude' });
  });

  it('mission-flight.waypoints (that read-back, as Mission Planner saves it) is a clean route that would upload as the capture did', () => {
    const route = parseRoute(fs.readFileSync(fixture('ardupilot', 'mission-flight.waypoints'), 'utf8'), 'mission-flight.waypoints');
    expect(validateRoute(route)).toEqual([]);
    expect(route.plannedHome).toEqual({ lat: 28.37, lon: 121.38, alt: 10.099999 });
    const { sent } = capturedRows();
    expect(compareRows(sent, routeToWire(route, 'mission', 'ardupilot'), 'mission', 'ardupilot')).toBeNull();
  });
});
