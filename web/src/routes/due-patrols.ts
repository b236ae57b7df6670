/**
 * Scheduled patrols due soon (the service lists them `leadMin` ahead), at the top of the drones
 * tab: route, time, the default drone and whether it is connected, and whether the patrol has
 * flown or why it could not launch by itself. A pilot opens the launch form from here; nothing
 * launches from this list.
 */

import type { DuePatrol, VehicleView } from '../../../server/wire/types.ts';
import { button, make, setText } from '../dom.ts';
import { hoursMinutes } from '../format.ts';
import { renderNextFrame } from '../frame.ts';
import { getLocale, t } from '../i18n.ts';
import type { SessionUser } from '../login.ts';
import type { Ops } from '../ops.ts';
import { canFly } from '../roles.ts';

/** "in 4 min" and the drones' links age without news: look again this often */
const REFRESH_MS = 5000;

export interface DuePatrolsDeps {
  user: SessionUser;
  ops: Ops;
  vehicle(id: string): VehicleView | undefined;
  /** show this drone's panel */
  focusDrone(vehicleId: string): void;
  /** show this drone's panel with the route picked in its launch form */
  prepareLaunch(vehicleId: string, routeId: string): void;
  /** how many wait for a pilot, for the tab */
  badge(count: number): void;
}

/** One row as drawn: the rows are rebuilt only when one of these texts changes. */
interface Row {
  patrol: DuePatrol;
  when: string;
  drone: string;
  droneState: 'connected' | 'lost' | 'offline' | 'none';
  /** the run flying it: launched by the scheduler, or one of this route in the air on its drone */
  runId: number | null;
  state: 'launched' | 'problem' | 'overdue' | 'upcoming';
}

export class DuePatrols {
  private readonly count = make('span', 'due__count');
  private readonly list = make('ol', 'due__list');
  private readonly render = () => this.draw();
  private drawn = '';

  constructor(
    private readonly root: HTMLElement,
    private readonly deps: DuePatrolsDeps,
  ) {
    const title = make('h2', 'sidebar__title due__title');
    const label = make('span', '', t('dueTitle'));
    label.dataset.i18n = 'dueTitle';
    title.append(label, this.count);
    root.append(title, this.list);
    root.hidden = true;
    root.addEventListener('click', (event) => this.onClick(event));
    for (const topic of ['due', 'runs'] as const) deps.ops.on(topic, () => renderNextFrame(this.render));
    setInterval(() => renderNextFrame(this.render), REFRESH_MS);
  }

  relabel(): void {
    this.drawn = '';
    renderNextFrame(this.render);
  }

  private draw(): void {
    const now = Date.now();
    const rows = this.deps.ops.due.map((p) => this.row(p, now));
    // Rebuilt only when something shown changed: never under the pilot's pointer otherwise.
    const key = JSON.stringify([getLocale(), rows]);
    if (key === this.drawn) return;
    this.drawn = key;
    const waiting = rows.filter((r) => r.runId === null).length;
    this.deps.badge(waiting);
    this.root.hidden = rows.length === 0;
    setText(this.count, String(waiting));
    this.count.hidden = waiting === 0;
    this.list.replaceChildren(...rows.map((r) => this.item(r)));
  }

  private row(p: DuePatrol, now: number): Row {
    const view = p.vehicleId ? this.deps.vehicle(p.vehicleId) : undefined;
    const drone = view?.callsign ?? p.defaultDrone ?? p.vehicleId ?? '';
    const droneState = !p.defaultDrone ? 'none' : !p.vehicleId ? 'offline' : view?.link.lost ? 'lost' : 'connected';
    const flying = p.vehicleId === null ? undefined : this.deps.ops.activeRuns().find((r) => r.vehicleId === p.vehicleId && r.routeId === p.routeId);
    const runId = p.runId ?? flying?.id ?? null;
    const state = runId !== null ? 'launched' : p.autoLaunchProblem ? 'problem' : p.dueAt <= now ? 'overdue' : 'upcoming';
    return { patrol: p, when: relative(p.dueAt, now), drone, droneState, runId, state };
  }

  private item(r: Row): HTMLLIElement {
    const p = r.patrol;
    const item = make('li', `due-item due-item--${r.state}`);
    Object.assign(item.dataset, { routeId: p.routeId, dueAt: String(p.dueAt), vehicleId: p.vehicleId ?? '' });

    const top = make('div', 'due-item__top');
    top.append(
      make('span', 'due-item__time', hoursMinutes(p.dueAt)),
      make('span', 'due-item__when', r.when),
      make('span', 'due-item__name', getLocale() === 'zh-CN' ? p.name.zh || p.name.en : p.name.en || p.name.zh),
    );
    const droneLine = make('p', `due-item__drone due-item__drone--${r.droneState}`);
    if (r.droneState === 'none') droneLine.textContent = t('dueNoDrone');
    else {
      const text = t(r.droneState === 'connected' ? 'dueDroneConnected' : r.droneState === 'lost' ? 'dueDroneLost' : 'dueDroneOffline', { drone: r.drone });
      if (p.vehicleId) {
        const link = make('button', 'link due-item__focus', text);
        link.type = 'button';
        link.dataset.focusDrone = p.vehicleId;
        droneLine.append(link);
      } else droneLine.textContent = text;
    }
    item.append(top, droneLine);
    if (r.runId !== null) item.append(make('p', 'due-item__status', t('dueLaunched', { run: r.runId })));
    else if (p.autoLaunchProblem) item.append(make('p', 'due-item__status due-item__problem', t('dueAutoProblem', { reason: p.autoLaunchProblem })));

    if (canFly(this.deps.user) && r.runId === null) {
      const open = button('button button--primary due-item__launch', 'dueOpenLaunch');
      open.disabled = p.vehicleId === null;
      open.title = p.vehicleId === null ? t('dueNeedsDrone') : t('dueOpenLaunchHint', { drone: r.drone });
      item.append(open);
    }
    return item;
  }

  private onClick(event: Event): void {
    const target = event.target as HTMLElement;
    const item = target.closest<HTMLElement>('.due-item');
    const vehicleId = item?.dataset.vehicleId;
    if (!item || !vehicleId) return;
    if (target.closest('.due-item__launch')) this.deps.prepareLaunch(vehicleId, item.dataset.routeId!);
    else if (target.closest('.due-item__focus')) this.deps.focusDrone(vehicleId);
  }
}

/** "in 4 min", "now", "3 min late": to the nearest minute. */
function relative(dueAt: number, now: number): string {
  const minutes = Math.round((dueAt - now) / 60_000);
  if (minutes > 0) return t('dueIn', { n: minutes });
  if (minutes < 0) return t('dueLate', { n: -minutes });
  return t('dueNow');
}
