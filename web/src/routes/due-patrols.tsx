/**
 * Scheduled patrols due soon (the service lists them `leadMin` ahead), at the top of the drones
 * tab: route, time, the default drone and whether it is connected, and whether the patrol has
 * flown or why it could not launch by itself. A pilot opens the launch form from here; nothing
 * launches from this list. Drawn by Preact from the list, the runs and the clock.
 */

import { computed, effect, signal } from '@preact/signals';
import { render } from 'preact';
import type { DuePatrol, VehicleView } from '../../../server/wire/types.ts';
import { hoursMinutes } from '../format.ts';
import { getLocale, t } from '../i18n.ts';
import type { SessionUser } from '../login.ts';
import type { Ops } from '../ops.ts';
import { canFly } from '../roles.ts';
import { sayServer } from '../said.tsx';

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

/** One patrol as shown. */
interface Row {
  patrol: DuePatrol;
  dueIn: number;
  drone: string;
  droneState: 'connected' | 'lost' | 'offline' | 'none';
  /** the run flying it: launched by the scheduler, or one of this route in the air on its drone */
  runId: number | null;
  state: 'launched' | 'problem' | 'overdue' | 'upcoming';
}

export class DuePatrols {
  private readonly now = signal(Date.now());
  readonly rows = computed(() => {
    const { ops } = this.deps;
    ops.track('due', 'runs');
    const now = this.now.value;
    return ops.due.map((p) => this.row(p, now));
  });

  constructor(
    root: HTMLElement,
    readonly deps: DuePatrolsDeps,
  ) {
    setInterval(() => (this.now.value = Date.now()), REFRESH_MS);
    effect(() => {
      const rows = this.rows.value;
      root.hidden = rows.length === 0;
      deps.badge(rows.filter((r) => r.runId === null).length);
    });
    render(<DueList due={this} />, root);
  }

  private row(p: DuePatrol, now: number): Row {
    const view = p.vehicleId ? this.deps.vehicle(p.vehicleId) : undefined;
    const drone = view?.callsign ?? p.defaultDrone ?? p.vehicleId ?? '';
    const droneState = !p.defaultDrone ? 'none' : !p.vehicleId ? 'offline' : view?.link.lost ? 'lost' : 'connected';
    const flying = p.vehicleId === null ? undefined : this.deps.ops.activeRuns().find((r) => r.vehicleId === p.vehicleId && r.routeId === p.routeId);
    const runId = p.runId ?? flying?.id ?? null;
    const state = runId !== null ? 'launched' : p.autoLaunchProblem ? 'problem' : p.dueAt <= now ? 'overdue' : 'upcoming';
    return { patrol: p, dueIn: Math.round((p.dueAt - now) / 60_000), drone, droneState, runId, state };
  }
}

/** "in 4 min", "now", "3 min late": to the nearest minute. */
function relative(minutes: number): string {
  if (minutes > 0) return t('dueIn', { n: minutes });
  if (minutes < 0) return t('dueLate', { n: -minutes });
  return t('dueNow');
}

const DRONE_TEXT = { connected: 'dueDroneConnected', lost: 'dueDroneLost', offline: 'dueDroneOffline' } as const;

function DueItem({ row: r, canLaunch, deps }: { row: Row; canLaunch: boolean; deps: DuePatrolsDeps }) {
  const p = r.patrol;
  const droneText = r.droneState === 'none' ? t('dueNoDrone') : t(DRONE_TEXT[r.droneState], { drone: r.drone });
  const vehicleId = p.vehicleId;
  return (
    <li class={`due-item due-item--${r.state}`} data-route-id={p.routeId} data-due-at={String(p.dueAt)} data-vehicle-id={vehicleId ?? ''}>
      <div class='due-item__top'>
        <span class='due-item__time'>{hoursMinutes(p.dueAt)}</span>
        <span class='due-item__when'>{relative(r.dueIn)}</span>
        <span class='due-item__name'>{getLocale() === 'zh-CN' ? p.name.zh || p.name.en : p.name.en || p.name.zh}</span>
      </div>
      <p class={`due-item__drone due-item__drone--${r.droneState}`}>
        {r.droneState !== 'none' && vehicleId
          ? <button type='button' class='link due-item__focus' data-focus-drone={vehicleId} onClick={() => deps.focusDrone(vehicleId)}>{droneText}</button>
          : droneText}
      </p>
      {r.runId !== null ?
        <p class='due-item__status'>{t('dueLaunched', { run: r.runId })}</p>
        : p.autoLaunchProblem && (
          <p class='due-item__status due-item__problem'>
            {t('dueAutoProblem', { reason: p.autoLaunchSaid ? sayServer(p.autoLaunchSaid) : p.autoLaunchProblem })}
          </p>
        )}
      {canLaunch && r.runId === null && (
        <button
          type='button'
          class='button button--primary due-item__launch'
          disabled={vehicleId === null}
          title={vehicleId === null ? t('dueNeedsDrone') : t('dueOpenLaunchHint', { drone: r.drone })}
          onClick={() => vehicleId && deps.prepareLaunch(vehicleId, p.routeId)}
        >
          {t('dueOpenLaunch')}
        </button>
      )}
    </li>
  );
}

function DueList({ due }: { due: DuePatrols }) {
  const rows = due.rows.value;
  const waiting = rows.filter((r) => r.runId === null).length;
  return (
    <>
      <h2 class='sidebar__title due__title'>
        <span>{t('dueTitle')}</span>
        <span class='due__count' hidden={waiting === 0}>{String(waiting)}</span>
      </h2>
      <ol class='due__list'>
        {rows.map((r) => <DueItem key={`${r.patrol.routeId}@${r.patrol.dueAt}`} row={r} canLaunch={canFly(due.deps.user)} deps={due.deps} />)}
      </ol>
    </>
  );
}
