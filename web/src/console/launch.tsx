/**
 * Launching a patrol, for the pilot in command: pick a route, run the preflight checks and read
 * them item by item, override what may be overridden, then confirm. The service checks again at
 * launch and refuses with its reasons; nothing flies without the pilot's confirmation.
 */

import { signal } from '@preact/signals';
import type { Ref } from 'preact';
import type { PreflightItem, RunView, VehicleView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { clockTime, distance, duration } from '../format.ts';
import { t, tOptional } from '../i18n.ts';
import { ApiError, reasonSaid, requestJson } from '../live.ts';
import type { Ops } from '../ops.ts';
import { routeName, type RouteCatalog } from '../routes/catalog.ts';
import { PanelSection } from '../ui/section.tsx';
import { Said, sayServer } from '../said.tsx';
import type { Outcome } from './outcome.tsx';

export interface LaunchDeps {
  ops: Ops;
  catalog: RouteCatalog;
  confirm: Confirm;
  /** show the picked route on the map (null: none) */
  preview(routeId: string | null): void;
  /** where flight requests report back: it stays in view when the launch form hides */
  outcome: Outcome;
}

interface Checks {
  vehicleId: string;
  routeId: string;
  items: PreflightItem[];
  at: number;
}

export function checkName(id: string): string {
  return tOptional(`check_${id}`, id);
}

export class Launch {
  /** the route picked (a route no longer listed counts as none: see picked()) */
  readonly route = signal('');
  /** the last checks, for this drone and route only */
  readonly checks = signal<Checks | null>(null);
  readonly overrides = signal<ReadonlySet<string>>(new Set());
  readonly busy = signal(false);

  constructor(readonly deps: LaunchDeps) {}

  /** The route picked, if the route list still has it. */
  picked(): string {
    const route = this.route.value;
    return this.deps.catalog.list().some((r) => r.id === route) ? route : '';
  }

  /** The checks shown: those of this drone and the route picked. */
  current(vehicleId: string): Checks | null {
    const c = this.checks.value;
    return c && c.vehicleId === vehicleId && c.routeId === this.picked() ? c : null;
  }

  ready(vehicleId: string): boolean {
    const overrides = this.overrides.value;
    const items = this.current(vehicleId)?.items;
    return items !== undefined && items.every((i) => i.pass || (i.overridable && overrides.has(i.id)));
  }

  /** Another drone is shown: its checks start afresh. */
  reset(): void {
    this.forget();
  }

  /** The pilot picked a route: it shows on the map, and earlier checks no longer count. */
  pick(routeId: string): void {
    this.route.value = routeId;
    this.forget();
    this.deps.preview(routeId || null);
  }

  /**
   * Picks a route for the pilot (a due patrol's), the checks starting afresh. Nothing is sent: the
   * pilot still runs the checks and confirms the launch. A route added since the list was read:
   * the list is read again first.
   */
  async preselect(routeId: string): Promise<void> {
    const { catalog, outcome } = this.deps;
    if (!catalog.list().some((r) => r.id === routeId)) {
      try {
        await catalog.refresh();
      } catch (error) {
        outcome.show('error', 'routesError', { detail: reasonSaid(error) });
        return;
      }
    }
    if (catalog.list().some((r) => r.id === routeId)) this.pick(routeId);
    else outcome.show('error', 'routeNotListed', { id: routeId });
  }

  override(id: string, on: boolean): void {
    const next = new Set(this.overrides.value);
    if (on) next.add(id);
    else next.delete(id);
    this.overrides.value = next;
  }

  private forget(): void {
    this.checks.value = null;
    this.overrides.value = new Set();
  }

  async runChecks(view: VehicleView): Promise<void> {
    const routeId = this.picked();
    if (!routeId) return;
    this.busy.value = true;
    this.deps.outcome.clear();
    try {
      const items = await requestJson<PreflightItem[]>('GET', `/api/vehicles/${encodeURIComponent(view.id)}/preflight?routeId=${encodeURIComponent(routeId)}`);
      this.showChecks(view.id, routeId, items);
    } catch (error) {
      this.deps.outcome.show('refused', 'checksFailed', { reason: reasonSaid(error) });
    } finally {
      this.busy.value = false;
    }
  }

  private showChecks(vehicleId: string, routeId: string, items: PreflightItem[]): void {
    this.checks.value = { vehicleId, routeId, items, at: Date.now() };
    // An override stays only for a check that still fails and may be overridden.
    this.overrides.value = new Set([...this.overrides.value].filter((id) => items.some((i) => i.id === id && !i.pass && i.overridable)));
  }

  async launch(view: VehicleView): Promise<void> {
    const checks = this.current(view.id);
    if (!checks) return;
    const { catalog, confirm, ops, outcome } = this.deps;
    const routeId = checks.routeId;
    const overrides = checks.items.filter((i) => !i.pass && this.overrides.value.has(i.id));
    const summary = catalog.list().find((r) => r.id === routeId);
    const name = routeName(routeId, summary?.meta ?? null);
    const confirmed = await confirm({
      title: t('confirmLaunchTitle'),
      message: t('confirmLaunch', { drone: view.callsign, route: name }),
      confirm: t('doLaunch', { drone: view.callsign }),
      details: overrides.map((i) => t('overriddenCheck', { check: checkName(i.id), value: i.said ? sayServer(i.said) : i.value })),
    });
    if (!confirmed) {
      outcome.show('cancelled', 'notSent');
      return;
    }
    this.busy.value = true;
    outcome.show('pending', 'launchSending', { drone: view.callsign });
    try {
      const run = await requestJson<RunView>('POST', `/api/vehicles/${encodeURIComponent(view.id)}/patrol`, {
        routeId,
        overrides: overrides.map((i) => i.id),
        confirm: true,
      });
      ops.putRun(run);
      outcome.show('accepted', 'launchAccepted', { drone: view.callsign, run: run.id });
      // From now on the map draws the route as flown.
      this.pick('');
    } catch (error) {
      const preflight = error instanceof ApiError ? (error.body as { preflight?: PreflightItem[] } | undefined)?.preflight : undefined;
      if (preflight) this.showChecks(view.id, routeId, preflight);
      // Refused by a check: named in the page's language (the service's reason is its English).
      const blocked = preflight?.filter((i) => !i.pass && !i.overridden) ?? [];
      outcome.show('refused', 'launchRefused', {
        reason: blocked.length ? () => t('preflightFailedChecks', { checks: blocked.map((i) => checkName(i.id)).join(t('listSeparator')) }) : reasonSaid(error),
      });
    } finally {
      this.busy.value = false;
    }
  }
}

function CheckRow({ item, overridden, onOverride }: { item: PreflightItem; overridden: boolean; onOverride: (on: boolean) => void }) {
  return (
    <li class={`checklist__item checklist__item--${item.pass ? 'pass' : 'fail'}`} data-check={item.id} data-pass={String(item.pass)}>
      <span class='checklist__mark'>{item.pass ? '✓' : '✗'}</span>
      <span class='checklist__name'>{checkName(item.id)}</span>
      <span class='checklist__value'>
        <Said said={item.said} fallback={item.value} />
      </span>
      {!item.pass && item.overridable && (
        <label class='checklist__override'>
          <input type='checkbox' data-override={item.id} checked={overridden} onChange={(event) => onOverride(event.currentTarget.checked)} />
          <span>{t('override')}</span>
        </label>
      )}
      {!item.pass && !item.overridable && <span class='checklist__blocks'>{t('blocksLaunch')}</span>}
    </li>
  );
}

export function LaunchSection({ launch, view, visible, sectionRef }: { launch: Launch; view: VehicleView; visible: boolean; sectionRef?: Ref<HTMLElement> }) {
  const routes = launch.deps.catalog.list();
  const picked = launch.picked();
  const checks = launch.current(view.id);
  const overrides = launch.overrides.value;
  const busy = launch.busy.value;
  return (
    <PanelSection class='console-launch' title='sectionLaunch' hidden={!visible} sectionRef={sectionRef}>
      <p class='console__hint'>{t('launchHint')}</p>
      <label class='launch__label'>
        <span>{t('route')}</span>
        <select class='launch__route' value={picked} onChange={(event) => launch.pick(event.currentTarget.value)}>
          <option value=''>{t('pickRoute')}</option>
          {routes.map((route) => (
            <option key={route.id} value={route.id} disabled={route.status === 'invalid'}>
              {`${routeName(route.id, route.meta)} · ${distance(route.distanceM)} · ${duration(route.durationS)}`}
            </option>
          ))}
        </select>
      </label>
      <p class='launch__checked'>
        {checks ? t('checkedAt', { time: clockTime(checks.at), passed: checks.items.filter((i) => i.pass).length, total: checks.items.length }) : ''}
      </p>
      <ol class='checklist'>
        {checks?.items.map((item) => (
          <CheckRow
            key={item.id}
            item={item}
            overridden={overrides.has(item.id)}
            onOverride={(on) => launch.override(item.id, on)}
          />
        ))}
      </ol>
      <div class='console__buttons'>
        <button type='button' class='button launch__check' disabled={busy || !picked} onClick={() => void launch.runChecks(view)}>{t('runChecks')}</button>
        <button type='button' class='button button--danger launch__go' disabled={busy || !launch.ready(view.id)} onClick={() => void launch.launch(view)}>
          {t('launchPatrol')}
        </button>
      </div>
    </PanelSection>
  );
}
