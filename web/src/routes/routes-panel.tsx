/**
 * The routes tab: every patrol route with its length and flight time, a preview on the map, the
 * route's problems as the service found them, editing for those allowed, and import of a route
 * file dropped on the tab or the map (.plan, .waypoints, .kml, .geojson). Drawn by Preact from
 * the route list, the route picked and what became of the last import or save.
 */

import { signal } from '@preact/signals';
import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Confirm } from '../confirm.ts';
import { Outcome, OutcomeLine } from '../console/outcome.tsx';
import { distance, duration } from '../format.ts';
import { t } from '../i18n.ts';
import { ApiError, reasonOf, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import { canEditRoutes } from '../roles.ts';
import { routeName, type RouteCatalog, type RouteDetail, type RouteSummary } from './catalog.ts';
import type { RouteEditor } from './route-editor.tsx';
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
  readonly selected = signal<string | null>(null);
  /** the detail of the route picked, once read */
  readonly detail = signal<RouteDetail | null>(null);
  readonly outcome = new Outcome();

  constructor(
    root: HTMLElement,
    readonly deps: RoutesPanelDeps,
  ) {
    if (canEditRoutes(deps.user)) for (const target of deps.dropTargets) this.acceptDrops(target);
    render(<RoutesView panel={this} />, root);
  }

  /** The editor saved a route. */
  saved(detail: RouteDetail): void {
    this.deps.catalog.put(detail);
    this.outcome.show('accepted', 'routeSaved', { file: detail.file });
  }

  /** The editor closed (saved or not): the route shows as the service now has it. */
  editorClosed(): void {
    if (this.selected.value) void this.pick(this.selected.value);
  }

  async pick(id: string): Promise<void> {
    this.selected.value = id;
    try {
      const detail = await this.deps.catalog.detail(id);
      if (this.selected.value !== id) return;
      this.deps.preview.show(detail, true);
      this.detail.value = detail;
    } catch (error) {
      this.outcome.show('error', 'routeLoadFailed', { reason: reasonOf(error) });
    }
  }

  edit(): void {
    const id = this.selected.value;
    if (!id) return;
    void this.deps.catalog.detail(id).then((d) => {
      // The editor draws its own waypoints, which can be dragged.
      this.deps.preview.show(null, false);
      this.deps.editor.start(d);
    });
  }

  acceptDrops(target: HTMLElement): void {
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
  async importFile(file: File): Promise<void> {
    const id = file.name.replace(/\.[^.]*$/, '');
    this.outcome.show('pending', 'importing', { file: file.name });
    const body = { fileName: file.name, content: await file.text() };
    try {
      let detail: RouteDetail;
      try {
        detail = await requestJson<RouteDetail>('POST', '/api/routes', body);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409)) throw error;
        const replace = await this.deps.confirm({ title: t('replaceRouteTitle'), message: t('replaceRoute', { id }), confirm: t('replace') });
        if (!replace) {
          this.outcome.show('cancelled', 'importCancelled', { file: file.name });
          return;
        }
        detail = await requestJson<RouteDetail>('PUT', `/api/routes/${encodeURIComponent(id)}`, body);
      }
      this.deps.catalog.put(detail);
      this.outcome.show('accepted', 'imported', { file: file.name, name: () => routeName(detail.id, detail.meta) });
      await this.pick(detail.id);
    } catch (error) {
      const issues = error instanceof ApiError ? (error.body as { issues?: { message: string; where?: string }[] } | undefined)?.issues ?? [] : [];
      const where = issues.map((i) => [i.where, i.message].filter(Boolean).join(': ')).join('; ');
      this.outcome.show('refused', 'importFailed', { file: file.name, reason: where ? `${reasonOf(error)} — ${where}` : reasonOf(error) });
    }
  }
}

function RouteRow({ route: r, selected, onPick }: { route: RouteSummary; selected: boolean; onPick: () => void }) {
  const status = r.status === 'ok' ? '' : r.status === 'warnings' ? t('routeWarnings', { n: r.warnings }) : t('routeInvalid', { n: r.errors });
  return (
    <li>
      <button type="button" class={`route-row route-row--${r.status}${selected ? ' route-row--selected' : ''}`} data-route-id={r.id} onClick={onPick}>
        <span class="route-row__name">{routeName(r.id, r.meta)}</span>
        <span class="route-row__facts">{`${t('routeItems', { n: r.itemCount })} · ${distance(r.distanceM)} · ${duration(r.durationS)}`}</span>
        {status && <span class="route-row__status">{status}</span>}
      </button>
    </li>
  );
}

function RouteDetailView({ detail: d, canEdit, onEdit }: { detail: RouteDetail; canEdit: boolean; onEdit: () => void }) {
  return (
    <>
      <h3 class="route-detail__name">{routeName(d.id, d.meta)}</h3>
      <p class="route-detail__file">{d.file}</p>
      {d.meta?.schedule && <p class="route-detail__schedule">{t('routeSchedule', { schedule: d.meta.schedule })}</p>}
      {d.issues.length > 0 && (
        <ul class="route-detail__issues">{d.issues.map((i, n) => <li key={n} class={`route-issue route-issue--${i.level}`}>{i.text}</li>)}</ul>
      )}
      <div class="console__buttons">
        {canEdit && d.route && <button type="button" class="button route-detail__edit" onClick={onEdit}>{t('editRoute')}</button>}
        <a class="button route-detail__download" href={`/api/routes/${encodeURIComponent(d.id)}/export?format=plan`} download={`${d.id}.plan`}>
          {t('downloadPlan')}
        </a>
      </div>
    </>
  );
}

function RoutesView({ panel }: { panel: RoutesPanel }) {
  const { user, catalog } = panel.deps;
  const canEdit = canEditRoutes(user);
  const drop = useRef<HTMLDivElement>(null);
  const file = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (canEdit && drop.current) panel.acceptDrops(drop.current);
  }, []);
  const routes = catalog.list();
  const selected = panel.selected.value;
  const detail = panel.detail.value;
  return (
    <>
      <div class="route-drop" ref={drop} hidden={!canEdit}>
        <p class="route-drop__text">{t('dropRoute')}</p>
        <button type="button" class="button route-drop__choose" onClick={() => file.current?.click()}>{t('chooseFile')}</button>
        <input type="file" class="route-drop__input" accept={ROUTE_FILES.join(',')} hidden ref={file} onChange={(event) => {
          const input = event.currentTarget;
          const picked = input.files?.[0];
          if (picked) void panel.importFile(picked);
          input.value = '';
        }} />
      </div>
      <OutcomeLine outcome={panel.outcome} />
      <ol class="route-list">
        {routes.length ? routes.map((r) => <RouteRow key={r.id} route={r} selected={r.id === selected} onPick={() => void panel.pick(r.id)} />)
          : <li class="alert-list__empty">{t('noRoutes')}</li>}
      </ol>
      <div class="route-detail">{detail && <RouteDetailView detail={detail} canEdit={canEdit} onEdit={() => panel.edit()} />}</div>
    </>
  );
}
