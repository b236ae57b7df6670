import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { exportRoute, parseRoute } from '../../server/missions/formats/index.ts';
import { issueText, ParseError } from '../../server/missions/issues.ts';
import type { Route } from '../../server/missions/model.ts';
import { routeToWire } from '../../server/missions/protocol/wire.ts';
import { validateRoute } from '../../server/missions/validate.ts';
import { describeWithFixtures, fixture } from '../helpers/shared.ts';

/**
 * Every public mission file in ../shared/fixtures/plans either reads, validates as expected and
 * round-trips through .plan and .waypoints, or is refused with a message naming the place.
 */

type Expect =
  | { items: number; errors: string[] }
  | { refused: string };

const EXPECTED: Record<string, Expect> = {
  'ardupilot/AVCMission-copter_AVC2013_mission.waypoints': { items: 9, errors: [] },
  'ardupilot/CopterMission-copter_mission.waypoints': { items: 12, errors: [] },
  'ardupilot/DO_CHANGE_SPEED-mission.waypoints': { items: 10, errors: [] },
  'ardupilot/NavDelay-copter_nav_delay.waypoints': { items: 4, errors: [] },
  'ardupilot/SplineWaypoint-copter_spline_mission.waypoints': { items: 13, errors: [] },
  'ardupilot/TakeoffAlt-copter_takeoff.waypoints': {
    items: 2,
    errors: ['TakeoffAlt-copter_takeoff.waypoints: line 3: takeoff altitude -10 m is not above home'],
  },
  'mavsdk/mission_planner_sample.txt': { items: 4, errors: [] },
  'mavsdk/qgroundcontrol_sample.plan': { items: 6, errors: [] },
  'mavsdk/qgroundcontrol_sample_with_digicam_control.plan': {
    items: 1,
    errors: ['qgroundcontrol_sample_with_digicam_control.plan: no navigation command: the route has nothing to fly'],
  },
  'mavsdk/qgroundcontrol_sample_with_survey.plan': {
    items: 13,
    errors: [
      'qgroundcontrol_sample_with_survey.plan: mission.items[1].TransectStyleComplexItem.Items[0]: the first navigation command is NAV_WAYPOINT: a copter must take off first (put NAV_TAKEOFF before it)',
    ],
  },
  'mavsdk/qgroundcontrol_sample_with_structured_scan.plan': {
    refused:
      'qgroundcontrol_sample_with_structured_scan.plan: mission.items[1]: complex item "StructureScan" is not supported: its mission items are not in the file (QGroundControl computes them); open the plan in QGroundControl and save it as a .waypoints file',
  },
  'mavsdk/qgroundcontrol_sample_with_survey_missing_items.plan': {
    refused:
      'qgroundcontrol_sample_with_survey_missing_items.plan: mission.items[1].TransectStyleComplexItem: survey has no "Items": its waypoints are missing from the file',
  },
  'mavsdk/qgroundcontrol_sample_with_survey_wrong_version.plan': {
    refused: 'qgroundcontrol_sample_with_survey_wrong_version.plan: mission.items[1]: survey version 9 is not supported (this reader knows version 5)',
  },
  'mavsdk/qgroundcontrol_sample_without_mission.plan': {
    refused: 'qgroundcontrol_sample_without_mission.plan: mission: no "mission" section: a route needs mission items',
  },
  'mavsdk/qgroundcontrol_sample_wrong_mission_version.plan': {
    refused: 'qgroundcontrol_sample_wrong_mission_version.plan: mission.version: mission version 7 is not supported (QGroundControl writes 2)',
  },
  'mavsdk/qgroundcontrol_sample_wrong_overall_version.plan': {
    refused: 'qgroundcontrol_sample_wrong_overall_version.plan: version: plan version 42 is not supported (QGroundControl writes 1)',
  },
};

const read = (rel: string) => fs.readFileSync(fixture('plans', rel), 'utf8');
const load = (rel: string) => parseRoute(read(rel), path.basename(rel));

/** What a file must keep through a round trip: everything but where it was read from. */
function content(r: Route) {
  return { meta: r.meta, vehicleType: r.vehicleType, plannedHome: r.plannedHome, items: r.items, fence: r.fence, rally: r.rally };
}

describeWithFixtures('public mission files (MAVSDK and ArduPilot test plans)', () => {
  it('the table covers every file in the fixtures folder', () => {
    const files = ['ardupilot', 'mavsdk'].flatMap((d) => fs.readdirSync(fixture('plans', d)).map((f) => `${d}/${f}`));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [rel, want] of Object.entries(EXPECTED)) {
    if ('refused' in want) {
      it(`${rel} is refused with a precise message`, () => {
        let err: unknown;
        try {
          load(rel);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(ParseError);
        expect((err as ParseError).issues.map(issueText)).toEqual([want.refused]);
      });
      continue;
    }
    it(`${rel}: reads, validates and round-trips through .plan and .waypoints`, () => {
      const route = load(rel);
      expect(route.items).toHaveLength(want.items);
      const issues = validateRoute(route);
      expect(issues.filter((i) => i.level === 'error').map(issueText)).toEqual(want.errors);
      for (const i of issues) expect(issueText(i).startsWith(`${path.basename(rel)}: `)).toBe(true);

      const plan = exportRoute(route, 'plan');
      const again = parseRoute(plan, `${route.id}.plan`);
      expect(content(again)).toEqual(content(route));
      expect(exportRoute(again, 'plan')).toBe(plan);

      const wpl = exportRoute(route, 'waypoints');
      const fromWpl = parseRoute(wpl, `${route.id}.waypoints`);
      expect(fromWpl.items).toEqual(route.items);
      expect(fromWpl.plannedHome).toEqual(route.plannedHome);
      expect(exportRoute(fromWpl, 'waypoints')).toBe(wpl);
    });
  }

  it("a .waypoints file comes back with the same numbers on every line (only line 0's CURRENT flag is normalised)", () => {
    for (const rel of Object.keys(EXPECTED).filter((r) => r.endsWith('.waypoints'))) {
      const rows = (text: string) => text.trim().split(/\r?\n/).slice(1).map((l) => l.split('\t').map(Number));
      const original = rows(read(rel));
      const exported = rows(exportRoute(load(rel), 'waypoints'));
      original[0]![1] = exported[0]![1] = 0;
      expect(exported, rel).toEqual(original);
    }
  });

  it("QGroundControl's sample: the same MISSION_ITEM_INT rows MAVSDK's own import test expects", () => {
    const route = load('mavsdk/qgroundcontrol_sample.plan');
    const rows = routeToWire(route, 'mission', 'px4').map((r) => [r.command, r.frame, r.param1, r.param2, r.param3, r.param4, r.x, r.y, r.z]);
    expect(rows).toEqual([
      [22, 3, 15, 0, 0, NaN, 473977507, 85456075, 50],
      [16, 3, 0, 0, 0, NaN, 473977711, 85466122, 50],
      [2000, 2, 0, 0, 1, 0, 0, 0, 0],
      [16, 3, 0, 0, 0, NaN, 473982738, 85466053, 50],
      [16, 3, 0, 0, 0, NaN, 473982784, 85456082, 50],
      [20, 2, 0, 0, 0, 0, 0, 0, 0],
    ]);
    // For ArduPilot the planned home goes first, as MAVSDK's ArduPilot variant of that test expects.
    const ap = routeToWire(route, 'mission', 'ardupilot');
    expect([ap[0]!.command, ap[0]!.x, ap[0]!.y, ap[0]!.z]).toEqual([16, 473977507, 85456075, 488.93101752001763]);
    expect(ap.slice(1).map((r) => r.command)).toEqual([22, 16, 2000, 16, 16, 20]);
  });

  it('the survey expands into the simple items QGroundControl saved, and is written back as the same complex item', () => {
    const route = load('mavsdk/qgroundcontrol_sample_with_survey.plan');
    expect(route.items.map((i) => i.command)).toEqual([530, 16, 206, 16, 206, 16, 16, 16, 16, 206, 16, 16, 206]);
    expect([route.items[1]!.lat, route.items[1]!.lon, route.items[1]!.alt]).toEqual([47.397705960554916, 8.546339694155481, 50]);
    const original = JSON.parse(read('mavsdk/qgroundcontrol_sample_with_survey.plan'));
    const exported = JSON.parse(exportRoute(route, 'plan'));
    expect(exported.mission.items[1]).toEqual(original.mission.items[1]);
    // Edit one survey waypoint: the complex item no longer describes the mission, so simple items go out.
    route.items[3]!.alt = 60;
    const edited = JSON.parse(exportRoute(route, 'plan'));
    expect(edited.mission.items.every((i: { type: string }) => i.type === 'SimpleItem')).toBe(true);
    expect(edited.mission.items[3].params[6]).toBe(60);
  });

  it('a Mission Planner file whose line 0 is a takeoff (PX4 style) has no home: all four lines are items', () => {
    const route = load('mavsdk/mission_planner_sample.txt');
    expect(route.plannedHome).toBeNull();
    expect(route.items.map((i) => [i.command, i.frame, i.lat, i.lon, i.alt])).toEqual([
      [22, 5, 47.3978101, 8.545538, 15],
      [16, 5, 47.3977992, 8.5454669, 15],
      [16, 5, 47.3977883, 8.5453958, 15],
      [20, 5, 47.3977774, 8.5453247, 0],
    ]);
  });
});
