/**
 * Launching a patrol, for the pilot in command: pick a route, run the preflight checks and read
 * them item by item, override what may be overridden, then confirm. The service checks again at
 * launch and refuses with its reasons; nothing flies without the pilot's confirmation.
 */

import type { PreflightItem, RunView, VehicleView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { button, make, setHidden, setText, titledSection } from '../dom.ts';
import { clockTime, distance, duration } from '../format.ts';
import { t, tOptional } from '../i18n.ts';
import { ApiError, requestJson } from '../live.ts';
import type { Ops } from '../ops.ts';
import { routeName, type RouteCatalog } from '../routes/catalog.ts';
import { reasonOf } from './control.ts';
import type { OutcomeLine } from './outcome.ts';

export interface LaunchDeps {
  ops: Ops;
  catalog: RouteCatalog;
  confirm: Confirm;
  /** show the picked route on the map (null: none) */
  preview(routeId: string | null): void;
  /** where flight requests report back: it stays in view when the launch form hides */
  outcome: OutcomeLine;
}

export function checkName(id: string): string {
  return tOptional(`check_${id}`, id);
}

export class LaunchSection {
  readonly element = titledSection('console-launch', 'sectionLaunch');
  private readonly select = make('select', 'launch__route');
  private readonly check = button('button launch__check', 'runChecks');
  private readonly checkedAt = make('p', 'launch__checked');
  private readonly checklist = make('ol', 'checklist');
  private readonly go = button('button button--danger launch__go', 'launchPatrol');
  private readonly outcome: OutcomeLine;
  private view: VehicleView | null = null;
  /** the last checks, for this drone and route only */
  private checks: { vehicleId: string; routeId: string; items: PreflightItem[] } | null = null;
  private readonly overrides = new Set<string>();
  private busy = false;
  /** a route to pick as soon as the route list has it (a due patrol's) */
  private wanted: string | null = null;

  constructor(private readonly deps: LaunchDeps) {
    this.outcome = deps.outcome;
    const hint = make('p', 'console__hint');
    hint.dataset.i18n = 'launchHint';
    const label = make('label', 'launch__label');
    const labelText = make('span', '');
    labelText.dataset.i18n = 'route';
    label.append(labelText, this.select);
    const buttons = make('div', 'console__buttons');
    buttons.append(this.check, this.go);
    this.element.append(hint, label, this.checkedAt, this.checklist, buttons);
    this.select.addEventListener('change', () => {
      this.forget();
      deps.preview(this.select.value || null);
    });
    this.check.addEventListener('click', () => void this.runChecks());
    this.go.addEventListener('click', () => void this.launch());
    this.checklist.addEventListener('change', (event) => {
      const box = event.target as HTMLInputElement;
      if (box.dataset.override) {
        if (box.checked) this.overrides.add(box.dataset.override);
        else this.overrides.delete(box.dataset.override);
        this.updateButtons();
      }
    });
    deps.catalog.onChange(() => this.fillRoutes());
    this.fillRoutes();
  }

  /** Another drone is shown: its checks start afresh. */
  reset(): void {
    this.forget();
  }

  render(view: VehicleView, visible: boolean): void {
    this.view = view;
    setHidden(this.element, !visible);
    if (!visible) return;
    this.updateButtons();
  }

  /**
   * Picks a route for the pilot (a due patrol's), the checks starting afresh. Nothing is sent: the
   * pilot still runs the checks and confirms the launch.
   */
  preselect(routeId: string): void {
    this.wanted = routeId;
    if (this.deps.catalog.list().some((r) => r.id === routeId)) this.fillRoutes();
    // A route added since the list was read: read it again (fillRoutes follows).
    else this.deps.catalog.refresh().catch((error: unknown) => this.outcome.show('error', () => t('routesError', { detail: reasonOf(error) })));
  }

  /** The route names follow the language. */
  fillRoutes(): void {
    const chosen = this.wanted ?? this.select.value;
    const placeholder = make('option', '', t('pickRoute'));
    placeholder.value = '';
    const options = this.deps.catalog.list().map((route) => {
      const option = make('option', '', `${routeName(route.id, route.meta)} · ${distance(route.distanceM)} · ${duration(route.durationS)}`);
      option.value = route.id;
      option.disabled = route.status === 'invalid';
      return option;
    });
    this.select.replaceChildren(placeholder, ...options);
    this.select.value = options.some((o) => o.value === chosen) ? chosen : '';
    const wanted = this.wanted;
    if (wanted === null) return;
    if (this.select.value === wanted) {
      this.forget();
      this.deps.preview(wanted);
    } else this.outcome.show('error', () => t('routeNotListed', { id: wanted }));
    this.wanted = null;
  }

  private forget(): void {
    this.checks = null;
    this.overrides.clear();
    this.checklist.replaceChildren();
    setText(this.checkedAt, '');
    this.updateButtons();
  }

  private updateButtons(): void {
    const items = this.current()?.items;
    const ready = items !== undefined && items.every((i) => i.pass || (i.overridable && this.overrides.has(i.id)));
    this.check.disabled = this.busy || !this.select.value;
    this.go.disabled = this.busy || !ready;
  }

  private current(): { items: PreflightItem[] } | null {
    const c = this.checks;
    return c && c.vehicleId === this.view?.id && c.routeId === this.select.value ? c : null;
  }

  private async runChecks(): Promise<void> {
    const view = this.view;
    const routeId = this.select.value;
    if (!view || !routeId) return;
    this.busy = true;
    this.outcome.clear();
    try {
      const items = await requestJson<PreflightItem[]>('GET', `/api/vehicles/${encodeURIComponent(view.id)}/preflight?routeId=${encodeURIComponent(routeId)}`);
      this.showChecks(view.id, routeId, items);
    } catch (error) {
      this.outcome.show('refused', () => t('checksFailed', { reason: reasonOf(error) }));
    } finally {
      this.busy = false;
      this.updateButtons();
    }
  }

  private showChecks(vehicleId: string, routeId: string, items: PreflightItem[]): void {
    this.checks = { vehicleId, routeId, items };
    // An override stays only for a check that still fails and may be overridden.
    for (const id of [...this.overrides]) if (!items.some((i) => i.id === id && !i.pass && i.overridable)) this.overrides.delete(id);
    setText(this.checkedAt, t('checkedAt', { time: clockTime(Date.now()), passed: items.filter((i) => i.pass).length, total: items.length }));
    this.checklist.replaceChildren(...items.map((item) => this.checkRow(item)));
  }

  private checkRow(item: PreflightItem): HTMLLIElement {
    const row = make('li', `checklist__item checklist__item--${item.pass ? 'pass' : 'fail'}`);
    row.dataset.check = item.id;
    row.dataset.pass = String(item.pass);
    row.append(
      make('span', 'checklist__mark', item.pass ? '✓' : '✗'),
      make('span', 'checklist__name', checkName(item.id)),
      make('span', 'checklist__value', item.value),
    );
    if (!item.pass && item.overridable) {
      const label = make('label', 'checklist__override');
      const box = make('input', '');
      box.type = 'checkbox';
      box.dataset.override = item.id;
      box.checked = this.overrides.has(item.id);
      label.append(box, make('span', '', t('override')));
      row.append(label);
    } else if (!item.pass) {
      row.append(make('span', 'checklist__blocks', t('blocksLaunch')));
    }
    return row;
  }

  private async launch(): Promise<void> {
    const view = this.view;
    const checks = this.current();
    if (!view || !checks) return;
    const routeId = this.select.value;
    const overrides = checks.items.filter((i) => !i.pass && this.overrides.has(i.id));
    const summary = this.deps.catalog.list().find((r) => r.id === routeId);
    const name = routeName(routeId, summary?.meta ?? null);
    const confirmed = await this.deps.confirm({
      title: t('confirmLaunchTitle'),
      message: t('confirmLaunch', { drone: view.callsign, route: name }),
      confirm: t('doLaunch', { drone: view.callsign }),
      details: overrides.map((i) => t('overriddenCheck', { check: checkName(i.id), value: i.value })),
    });
    if (!confirmed) {
      this.outcome.show('cancelled', () => t('notSent'));
      return;
    }
    this.busy = true;
    this.updateButtons();
    this.outcome.show('pending', () => t('launchSending', { drone: view.callsign }));
    try {
      const run = await requestJson<RunView>('POST', `/api/vehicles/${encodeURIComponent(view.id)}/patrol`, {
        routeId, overrides: overrides.map((i) => i.id), confirm: true,
      });
      this.deps.ops.putRun(run);
      this.outcome.show('accepted', () => t('launchAccepted', { drone: view.callsign, run: run.id }));
      this.forget();
      // From now on the map draws the route as flown.
      this.select.value = '';
      this.deps.preview(null);
    } catch (error) {
      const preflight = error instanceof ApiError ? (error.body as { preflight?: PreflightItem[] } | undefined)?.preflight : undefined;
      if (preflight) this.showChecks(view.id, routeId, preflight);
      this.outcome.show('refused', () => t('launchRefused', { reason: reasonOf(error) }));
    } finally {
      this.busy = false;
      this.updateButtons();
    }
  }
}
