/**
 * The routes tab: every patrol route with its length and flight time, a preview on the map, the
 * route's problems as the service found them, editing for those allowed, and import of a route
 * file dropped on the tab or the map (.plan, .waypoints, .kml, .geojson).
 */

import type { Confirm } from '../confirm.ts';
import { OutcomeLine } from '../console/outcome.ts';
import { button, make } from '../dom.ts';
import { distance, duration } from '../format.ts';
import { renderNextFrame } from '../frame.ts';
import { t, translateStatic } from '../i18n.ts';
import { ApiError, reasonOf, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import { canEditRoutes } from '../roles.ts';
import { routeName, type RouteCatalog, type RouteDetail, type RouteSummary } from './catalog.ts';
import type { RouteEditor } from './route-editor.ts';
import type { RoutePreview } from './route-preview.ts';

const ROUTE_FILES = ['.plan', '.waypoints', '.txt', '.kml', '.geojson', '.json'];

export interface RoutesPanelDeps {
  user: SessionUser;
  catalog: RouteCatalog;
  preview: RoutePreview;
  editor: RouteEditor;
  confirm: Confirm;
  /** where else a dropped file is taken (the map) */
  dropTargets: HTMLElement[];
  /** bring the routes tab forward (a file dropped on the map) */
  reveal(): void;
}

export class RoutesPanel {
  private readonly list = make('ol', 'route-list');
  private readonly detail = make('div', 'route-detail');
  private readonly outcome = new OutcomeLine();
  private readonly file = make('input', '');
  private selected: string | null = null;
  private readonly render = () => this.draw();

  constructor(
    root: HTMLElement,
    private readonly deps: RoutesPanelDeps,
  ) {
    const drop = make('div', 'route-drop');
    const dropText = make('p', 'route-drop__text');
    dropText.dataset.i18n = 'dropRoute';
    const choose = button('button route-drop__choose', 'chooseFile');
    this.file.type = 'file';
    this.file.accept = ROUTE_FILES.join(',');
    this.file.hidden = true;
    this.file.className = 'route-drop__input';
    drop.append(dropText, choose, this.file);
    drop.hidden = !canEditRoutes(deps.user);
    choose.addEventListener('click', () => this.file.click());
    this.file.addEventListener('change', () => {
      const picked = this.file.files?.[0];
      if (picked) void this.importFile(picked);
      this.file.value = '';
    });
    if (canEditRoutes(deps.user)) for (const target of [drop, ...deps.dropTargets]) this.acceptDrops(target);
    root.append(drop, this.outcome.element, this.list, this.detail);
    translateStatic(root);
    this.list.addEventListener('click', (event) => {
      const row = (event.target as Element).closest<HTMLElement>('[data-route-id]');
      if (row) void this.pick(row.dataset.routeId!);
    });
    this.detail.addEventListener('click', (event) => {
      const edit = (event.target as Element).closest('.route-detail__edit');
      if (!edit || !this.selected) return;
      void this.deps.catalog.detail(this.selected).then((d) => {
        // The editor draws its own waypoints, which can be dragged.
        this.deps.preview.show(null, false);
        this.deps.editor.start(d);
      });
    });
    deps.catalog.onChange(() => renderNextFrame(this.render));
  }

  relabel(): void {
    renderNextFrame(this.render);
  }

  /** The editor saved a route. */
  saved(detail: RouteDetail): void {
    this.deps.catalog.put(detail);
    this.outcome.show('accepted', () => t('routeSaved', { file: detail.file }));
  }

  /** The editor closed (saved or not): the route shows as the service now has it. */
  editorClosed(): void {
    if (this.selected) void this.pick(this.selected);
  }

  private draw(): void {
    const routes = this.deps.catalog.list();
    this.list.replaceChildren(...(routes.length ? routes.map((r) => this.row(r)) : [make('li', 'alert-list__empty', t('noRoutes'))]));
  }

  private row(r: RouteSummary): HTMLLIElement {
    const item = make('li', '');
    const row = make('button', `route-row route-row--${r.status}${r.id === this.selected ? ' route-row--selected' : ''}`);
    row.type = 'button';
    row.dataset.routeId = r.id;
    const status = r.status === 'ok' ? '' : r.status === 'warnings' ? t('routeWarnings', { n: r.warnings }) : t('routeInvalid', { n: r.errors });
    row.append(
      make('span', 'route-row__name', routeName(r.id, r.meta)),
      make('span', 'route-row__facts', `${t('routeItems', { n: r.itemCount })} · ${distance(r.distanceM)} · ${duration(r.durationS)}`),
      ...(status ? [make('span', 'route-row__status', status)] : []),
    );
    item.append(row);
    return item;
  }

  private async pick(id: string): Promise<void> {
    this.selected = id;
    this.draw();
    try {
      const detail = await this.deps.catalog.detail(id);
      if (this.selected !== id) return;
      this.deps.preview.show(detail, true);
      this.showDetail(detail);
    } catch (error) {
      this.outcome.show('error', () => t('routeLoadFailed', { reason: reasonOf(error) }));
    }
  }

  private showDetail(d: RouteDetail): void {
    const parts: HTMLElement[] = [make('h3', 'route-detail__name', routeName(d.id, d.meta)), make('p', 'route-detail__file', d.file)];
    if (d.meta?.schedule) parts.push(make('p', 'route-detail__schedule', t('routeSchedule', { schedule: d.meta.schedule })));
    if (d.issues.length) {
      const issues = make('ul', 'route-detail__issues');
      issues.append(...d.issues.map((i) => make('li', `route-issue route-issue--${i.level}`, i.text)));
      parts.push(issues);
    }
    const buttons = make('div', 'console__buttons');
    if (canEditRoutes(this.deps.user) && d.route) buttons.append(button('button route-detail__edit', 'editRoute'));
    const download = make('a', 'button route-detail__download', t('downloadPlan'));
    download.href = `/api/routes/${encodeURIComponent(d.id)}/export?format=plan`;
    download.setAttribute('download', `${d.id}.plan`);
    buttons.append(download);
    parts.push(buttons);
    this.detail.replaceChildren(...parts);
  }

  private acceptDrops(target: HTMLElement): void {
    target.addEventListener('dragover', (event) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      target.classList.add('is-drop-target');
    });
    target.addEventListener('dragleave', () => target.classList.remove('is-drop-target'));
    target.addEventListener('drop', (event) => {
      target.classList.remove('is-drop-target');
      const dropped = event.dataTransfer?.files[0];
      if (!dropped) return;
      event.preventDefault();
      this.deps.reveal();
      void this.importFile(dropped);
    });
  }

  /** Sends the file as it is; the service reads it and says what is wrong, where. */
  private async importFile(file: File): Promise<void> {
    const id = file.name.replace(/\.[^.]*$/, '');
    this.outcome.show('pending', () => t('importing', { file: file.name }));
    const body = { fileName: file.name, content: await file.text() };
    try {
      let detail: RouteDetail;
      try {
        detail = await requestJson<RouteDetail>('POST', '/api/routes', body);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409)) throw error;
        const replace = await this.deps.confirm({ title: t('replaceRouteTitle'), message: t('replaceRoute', { id }), confirm: t('replace') });
        if (!replace) {
          this.outcome.show('cancelled', () => t('importCancelled', { file: file.name }));
          return;
        }
        detail = await requestJson<RouteDetail>('PUT', `/api/routes/${encodeURIComponent(id)}`, body);
      }
      this.deps.catalog.put(detail);
      this.outcome.show('accepted', () => t('imported', { file: file.name, name: routeName(detail.id, detail.meta) }));
      await this.pick(detail.id);
    } catch (error) {
      const issues = error instanceof ApiError ? (error.body as { issues?: { message: string; where?: string }[] } | undefined)?.issues ?? [] : [];
      const where = issues.map((i) => [i.where, i.message].filter(Boolean).join(': ')).join('; ');
      this.outcome.show('refused', () => t('importFailed', { file: file.name, reason: where ? `${reasonOf(error)} — ${where}` : reasonOf(error) }));
    }
  }
}
