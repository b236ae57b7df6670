import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AircraftMonitor } from '../../server/alerts/aircraft-monitor.ts';
import type { Clock } from '../../server/clock.ts';
import { MissionClient } from '../../server/missions/protocol/client.ts';
import { RouteStore } from '../../server/missions/store.ts';
import { ControlRegistry } from '../../server/patrols/control.ts';
import { Patrols, type PatrolTiming } from '../../server/patrols/patrols.ts';
import { DEFAULT_RULES } from '../../server/patrols/preflight.ts';
import { openStore } from '../../server/store/index.ts';
import { Actions } from '../../server/vehicles/actions.ts';
import { CommandSender } from '../../server/vehicles/commands.ts';
import type { Fleet } from '../../server/vehicles/fleet.ts';
import type { RunView } from '../../server/wire/types.ts';

function planItem(command: number, frame: number, params: (number | null)[], id: number) {
  return { autoContinue: true, command, doJumpId: id, frame, params, type: 'SimpleItem' };
}

/**
 * The mission of the live PX4 capture (../shared/fixtures/px4/README.md) as a .plan: takeoff to
 * 20 m at home, 100 m north, 100 m east, 100 m south, RTL; home 28.37, 121.3815, 10 m.
 */
export function px4CapturePlan() {
  const at = (lat: number, lon: number, id: number) => planItem(16, 3, [0, 0, 0, 0, lat, lon, 20], id);
  return {
    fileType: 'Plan',
    groundStation: 'SkyBeat',
    version: 1,
    geoFence: { circles: [], polygons: [], version: 2 },
    rallyPoints: { points: [], version: 2 },
    mission: {
      version: 2,
      firmwareType: 12,
      vehicleType: 2,
      cruiseSpeed: 5,
      hoverSpeed: 5,
      plannedHomePosition: [28.37, 121.3815, 10],
      items: [
        planItem(22, 3, [0, 0, 0, 0, 28.37, 121.3815, 20], 1),
        at(28.3709, 121.3815, 2),
        at(28.3709, 121.38252, 3),
        at(28.37, 121.38252, 4),
        planItem(20, 2, [0, 0, 0, 0, 0, 0, 0], 5),
      ],
    },
    skybeat: { nameZh: '方形', nameEn: 'Square', station: 'Wenling', defaultDrone: '', schedule: '', notes: '' },
  };
}

/**
 * The patrol side of a station (missions folder, database file, mission client, confirmed
 * actions, control, aircraft alerts, Patrols) on a fleet the test made: a scripted vehicle's
 * in simulated time, or one on a recorded link. Every run view Patrols emits is kept.
 */
export async function patrolStation(fleet: Fleet, opts: { clock?: Clock; plans: Record<string, object>; timing?: Partial<PatrolTiming> }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-station-'));
  const missionsDir = path.join(dir, 'missions');
  fs.mkdirSync(missionsDir);
  for (const [id, plan] of Object.entries(opts.plans)) fs.writeFileSync(path.join(missionsDir, `${id}.plan`), JSON.stringify(plan));
  const store = await openStore(dir);
  const routes = new RouteStore(missionsDir);
  await routes.open();
  const missions = new MissionClient(fleet, { clock: opts.clock });
  const actions = new Actions(fleet, new CommandSender(fleet, 255, opts.clock), opts.clock);
  const control = await ControlRegistry.load((id) => fleet.get(id) !== undefined, store.control);
  const aircraft = await AircraftMonitor.open(fleet, store.alerts);
  const patrols = new Patrols({
    fleet,
    actions,
    missions,
    routes,
    control,
    aircraft,
    runs: store.runs,
    rules: DEFAULT_RULES,
    autopilotOf: (id) => fleet.get(id)?.autopilot ?? 'other',
    timing: opts.timing,
  });
  const views: RunView[] = [];
  patrols.on('run', (r) => views.push(r));
  return {
    store,
    patrols,
    aircraft,
    control,
    views,
    /** open aircraft alerts of a rule, as [severity, message] */
    alerts: (rule: string) => aircraft.open().filter((a) => a.rule === rule && a.clearedAt === null).map((a) => [a.severity, a.message]),
    async close(): Promise<void> {
      await patrols.close(); // its runs' records written before the store closes
      await aircraft.close(); // its alerts' writes made before the store closes
      missions.close();
      routes.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
