import fs from 'node:fs';
import path from 'node:path';
import { parseRoute } from '../../server/missions/formats/index.ts';
import { exportPlan } from '../../server/missions/formats/plan.ts';
import { EMPTY_META, emptyFence, item, type Route } from '../../server/missions/model.ts';
import { REPO } from '../helpers/shared.ts';

export const example = (id: string): Route => parseRoute(fs.readFileSync(path.join(REPO, 'missions', `${id}.plan`), 'utf8'), `${id}.plan`);

/** A 100-item patrol (takeoff, 98 waypoints in a grid near the demo home, RTL), read from its .plan text. */
export function hundredItems(): Route {
  const items = [item(22, 3, 0, 0, 30)];
  for (let i = 0; i < 98; i++) items.push(item(16, 3, 28.3705 + 0.0004 * (i % 10), 121.378 + 0.0004 * Math.floor(i / 10), 30 + (i % 4) * 5));
  items.push(item(20, 2));
  const route: Route = {
    id: 'hundred',
    meta: { ...EMPTY_META, nameEn: '100 items' },
    vehicleType: 2,
    plannedHome: { lat: 28.37, lon: 121.38, alt: 10 },
    items,
    fence: emptyFence(),
    rally: [],
    plan: null,
    source: { file: 'hundred.plan', format: 'plan', locations: [] },
  };
  return parseRoute(exportPlan(route), 'hundred.plan');
}
