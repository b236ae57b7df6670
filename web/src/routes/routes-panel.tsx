/**
 * The routes tab: every patrol route with its length and flight time, a preview on the map, the
 * route's problems as the service found them, and for those allowed to change routes: editing on
 * the map, renaming, its names, schedule and default drone, deleting (each audited by the
 * service), and import of a route file dropped on the tab or the map (.plan, .waypoints, .kml,
 * .geojson), shown first as a preview (map, waypoints, problems) and saved only when confirmed.
 * Drawn by Preact from the route list, the route picked and what became of the last change.
 */

import { signal } from '@preact/signals';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { VehicleView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { Outcome, OutcomeLine } from '../console/outcome.tsx';
import { distance, duration } from '../format.ts';
import { t } from '../i18n.ts';
import { ApiError, reasonOf, reasonSaid, requestJson } from '../live.ts';
import type { SessionUser } from '../login.ts';
import { canEditRoutes } from '../roles.ts';
import { routeName, type RouteCatalog, type RouteDetail, type RouteIssue, type RoutePreviewDetail, type RouteSummary } from './catalog.ts';
import type { RouteEditor } from './route-editor.tsx';
import type { RoutePreview } from './route-preview.ts';
import { RouteIssueText } from '../said.tsx';
import { commandName } from './command-names.ts';

const ROUTE_FILES = ['.plan', '.waypoints', '.txt', '.kml', '.geojson', '.json'];

/** A route's names, schedule and default drone as the details form edits them. */
export interface RouteMetaChange {
  nameZh: string;
  nameEn: string;
  schedule: string;
  defaultDrone: string;
}

/** An import read by the service and shown, not yet saved: the file's text goes with the save. */
interface PendingImport {
  body: { fileName: string; content: string };
  detail: RoutePreviewDetail;
}

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
  /** what the service found wrong in the file last refused, listed under the outcome line */
  readonly refusedIssues = signal<RouteIssue[]>([]);
  /** which of the route's forms is open */
  readonly form = signal<'rename' | 'details' | null>(null);
  /** an import shown on the map, waiting for the pilot's save or discard */
  readonly pending = signal<PendingImport | null>(null);
  readonly busy = signal(false);

  constructor(
    root: HTMLElement,
    readonly deps: RoutesPanelDeps,
  ) {
    if (canEditRoutes(deps.user)) { for (const target of deps.dropTargets) this.acceptDrops(target); }
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
    // Picking a route puts an import shown aside: it was not saved.
    if (this.pending.value) this.discardImport();
    this.selected.value = id;
    this.form.value = null;
    try {
      const detail = await this.deps.catalog.detail(id);
      if (this.selected.value !== id) return;
      this.deps.preview.show(detail, true);
      this.detail.value = detail;
    } catch (error) {
      this.outcome.show('error', 'routeLoadFailed', { reason: reasonSaid(error) });
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

  /**
   * Sends the file as it is to be read, not saved: the service answers with the route, its map and
   * its problems, shown until the pilot saves or discards it. Nothing is written before that.
   */
  async importFile(file: File): Promise<void> {
    this.refusedIssues.value = [];
    this.outcome.show('pending', 'importing', { file: file.name });
    const body = { fileName: file.name, content: await file.text() };
    try {
      const detail = await requestJson<RoutePreviewDetail>('POST', '/api/routes/preview', body);
      this.pending.value = { body, detail };
      this.selected.value = null;
      this.detail.value = null;
      this.deps.preview.show(detail, true);
      this.outcome.clear();
    } catch (error) {
      this.refused(file.name, error);
    }
  }

  discardImport(): void {
    const pending = this.pending.value;
    if (!pending) return;
    this.pending.value = null;
    this.deps.preview.show(null, false);
    this.outcome.show('cancelled', 'previewDiscarded', { file: pending.body.fileName });
  }

  /** Saves the import shown: a new route, or, once the pilot agrees, in place of the route of that name. */
  async saveImport(): Promise<void> {
    const pending = this.pending.value;
    if (!pending) return;
    const { body, detail: shown } = pending;
    const id = shown.id;
    this.busy.value = true;
    try {
      let detail: RouteDetail;
      try {
        detail = await requestJson<RouteDetail>('POST', '/api/routes', body);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409)) throw error;
        const replace = await this.deps.confirm({ title: t('replaceRouteTitle'), message: t('replaceRoute', { id }), confirm: t('replace') });
        if (!replace) {
          this.outcome.show('cancelled', 'importCancelled', { file: body.fileName });
          return;
        }
        detail = await requestJson<RouteDetail>('PUT', `/api/routes/${encodeURIComponent(id)}`, body);
      }
      this.pending.value = null;
      this.deps.catalog.put(detail);
      this.outcome.show('accepted', 'imported', { file: body.fileName, name: () => routeName(detail.id, detail.meta) });
      await this.pick(detail.id);
    } catch (error) {
      this.refused(body.fileName, error);
    } finally {
      this.busy.value = false;
    }
  }

  private refused(file: string, error: unknown): void {
    const issues = error instanceof ApiError ? (error.body as { issues?: RouteIssue[] } | undefined)?.issues ?? [] : [];
    // What is wrong and where, said in the page's language when the service sent codes: listed under the line.
    const coded = issues.length > 0 && issues.every((i) => i.said);
    const where = issues.map((i) => [i.where, i.message].filter(Boolean).join(': ')).join('; ');
    this.refusedIssues.value = coded ? issues : [];
    this.outcome.show('refused', 'importFailed', {
      file,
      reason: coded ? () => t('importProblems', { n: issues.length }) : where ? `${reasonOf(error)} — ${where}` : reasonSaid(error),
    });
  }

  async rename(id: string, to: string): Promise<void> {
    this.busy.value = true;
    try {
      const detail = await requestJson<RouteDetail>('POST', `/api/routes/${encodeURIComponent(id)}/rename`, { to: to.trim() });
      this.deps.catalog.forget(id);
      this.deps.catalog.put(detail);
      this.outcome.show('accepted', 'routeRenamed', { id: detail.id });
      await this.pick(detail.id);
    } catch (error) {
      this.outcome.show('refused', 'routeNotRenamed', { reason: reasonSaid(error) });
    } finally {
      this.busy.value = false;
    }
  }

  async saveDetails(id: string, meta: RouteMetaChange): Promise<void> {
    this.busy.value = true;
    try {
      const detail = await requestJson<RouteDetail>('PATCH', `/api/routes/${encodeURIComponent(id)}`, meta);
      this.deps.catalog.put(detail);
      this.outcome.show('accepted', 'detailsSaved', { file: detail.file });
      await this.pick(detail.id);
    } catch (error) {
      this.outcome.show('refused', 'detailsNotSaved', { reason: reasonSaid(error) });
    } finally {
      this.busy.value = false;
    }
  }

  async remove(detail: RouteDetail): Promise<void> {
    const sure = await this.deps.confirm({
      title: t('deleteRouteTitle'),
      message: t('deleteRouteConfirm', { name: routeName(detail.id, detail.meta), file: detail.file }),
      confirm: t('deleteRoute'),
    });
    if (!sure) return;
    this.busy.value = true;
    try {
      await requestJson('DELETE', `/api/routes/${encodeURIComponent(detail.id)}`);
      this.deps.catalog.forget(detail.id);
      this.selected.value = null;
      this.detail.value = null;
      this.deps.preview.show(null, false);
      this.outcome.show('accepted', 'routeDeleted', { file: detail.file });
    } catch (error) {
      this.outcome.show('refused', 'routeNotDeleted', { reason: reasonSaid(error) });
    } finally {
      this.busy.value = false;
    }
  }
}

function RouteRow({ route: r, selected, onPick }: { route: RouteSummary; selected: boolean; onPick: () => void }) {
  const status = r.status === 'ok' ? '' : r.status === 'warnings' ? t('routeWarnings', { n: r.warnings }) : t('routeInvalid', { n: r.errors });
  return (
    <li>
      <button type='button' class={`route-row route-row--${r.status}${selected ? ' route-row--selected' : ''}`} data-route-id={r.id} onClick={onPick}>
        <span class='route-row__name'>{routeName(r.id, r.meta)}</span>
        <span class='route-row__facts'>{`${t('routeItems', { n: r.itemCount })} · ${distance(r.distanceM)} · ${duration(r.durationS)}`}</span>
        {status && <span class='route-row__status'>{status}</span>}
      </button>
    </li>
  );
}

/** An import as the service read it: on the map (drawn by the panel), its waypoints, its problems, save or discard. */
function ImportPreview({ panel, pending }: { panel: RoutesPanel; pending: PendingImport }) {
  const d = pending.detail;
  const errors = d.issues.some((i) => i.level === 'error');
  const busy = panel.busy.value;
  return (
    <div class='route-preview-box'>
      <h3 class='route-preview-box__title'>{t('previewTitle', { file: pending.body.fileName })}</h3>
      <p class='route-preview-box__name'>
        {`${routeName(d.id, d.meta)} · ${t('routeItems', { n: d.itemCount })}${
          d.distanceM !== null ? ` · ${distance(d.distanceM)} · ${duration(d.durationS)}` : ''
        }`}
      </p>
      <ol class='route-preview-box__waypoints'>
        {(d.route?.items ?? []).map((item, n) => (
          <li key={n}>
            {t('previewWaypoint', {
              n: n + 1,
              command: commandName(item.command),
              alt: item.alt !== null && item.alt !== 0 ? ` · ${Math.round(item.alt)} m` : '',
            })}
          </li>
        ))}
      </ol>
      {d.issues.length > 0 && (
        <ul class='route-detail__issues'>
          {d.issues.map((i, n) => (
            <li key={n} class={`route-issue route-issue--${i.level}`}>
              <RouteIssueText issue={i} />
            </li>
          ))}
        </ul>
      )}
      {d.exists && <p class='route-preview-box__replaces'>{t('previewReplaces', { id: d.id })}</p>}
      {errors && <p class='route-preview-box__errors'>{t('previewHasErrors')}</p>}
      <div class='console__buttons'>
        <button type='button' class='button button--primary route-preview-box__save' disabled={busy || errors} onClick={() => void panel.saveImport()}>
          {t('previewSave')}
        </button>
        <button type='button' class='button route-preview-box__discard' disabled={busy} onClick={() => panel.discardImport()}>{t('previewDiscard')}</button>
      </div>
    </div>
  );
}

function RenameForm({ panel, detail }: { panel: RoutesPanel; detail: RouteDetail }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <form
      class='route-form route-rename'
      onSubmit={(event) => {
        event.preventDefault();
        void panel.rename(detail.id, input.current?.value ?? '');
      }}
    >
      <label>
        <span>{t('renameTo')}</span>
        <input class='route-rename__to' name='to' required defaultValue={detail.id} ref={input} />
      </label>
      <button type='submit' class='button button--primary route-rename__save' disabled={panel.busy.value}>{t('renameSave')}</button>
    </form>
  );
}

function DetailsForm({ panel, detail }: { panel: RoutesPanel; detail: RouteDetail }) {
  const meta = detail.meta ?? { nameZh: '', nameEn: '', schedule: '', defaultDrone: '' };
  // The drones the service knows, offered for the default drone (any id may still be typed: a drone not yet heard).
  const [drones, setDrones] = useState<{ id: string; callsign: string }[]>([]);
  useEffect(() => {
    requestJson<VehicleView[]>('GET', '/api/vehicles').then((list) => setDrones(list.map((v) => ({ id: v.id, callsign: v.callsign }))), () => setDrones([]));
  }, []);
  return (
    <form
      class='route-form route-meta'
      onSubmit={(event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        const field = (name: keyof RouteMetaChange) => String(data.get(name) ?? '').trim();
        void panel.saveDetails(detail.id, {
          nameZh: field('nameZh'),
          nameEn: field('nameEn'),
          schedule: field('schedule'),
          defaultDrone: field('defaultDrone'),
        });
      }}
    >
      <label>
        <span>{t('routeNameZh')}</span>
        <input name='nameZh' defaultValue={meta.nameZh} maxLength={100} />
      </label>
      <label>
        <span>{t('routeNameEn')}</span>
        <input name='nameEn' defaultValue={meta.nameEn} maxLength={100} />
      </label>
      <label>
        <span>{t('routeScheduleField')}</span>
        <input name='schedule' defaultValue={meta.schedule} maxLength={200} />
      </label>
      <label>
        <span>{t('routeDefaultDroneField')}</span>
        <input name='defaultDrone' defaultValue={meta.defaultDrone} maxLength={64} placeholder={t('noDefaultDrone')} list='route-meta-drones' />
      </label>
      <datalist id='route-meta-drones'>{drones.map((d) => <option key={d.id} value={d.id}>{d.callsign}</option>)}</datalist>
      <button type='submit' class='button button--primary route-meta__save' disabled={panel.busy.value}>{t('saveDetails')}</button>
    </form>
  );
}

function RouteDetailView({ panel, detail: d, canEdit }: { panel: RoutesPanel; detail: RouteDetail; canEdit: boolean }) {
  const form = panel.form.value;
  const busy = panel.busy.value;
  const toggle = (which: 'rename' | 'details') => {
    panel.form.value = form === which ? null : which;
  };
  return (
    <>
      <h3 class='route-detail__name'>{routeName(d.id, d.meta)}</h3>
      <p class='route-detail__file'>{d.file}</p>
      {d.meta?.schedule && <p class='route-detail__schedule'>{t('routeSchedule', { schedule: d.meta.schedule })}</p>}
      {d.meta?.defaultDrone && <p class='route-detail__drone'>{t('routeDefaultDrone', { drone: d.meta.defaultDrone })}</p>}
      {d.issues.length > 0 && (
        <ul class='route-detail__issues'>
          {d.issues.map((i, n) => (
            <li key={n} class={`route-issue route-issue--${i.level}`}>
              <RouteIssueText issue={i} />
            </li>
          ))}
        </ul>
      )}
      <div class='console__buttons'>
        {canEdit && d.route && <button type='button' class='button route-detail__edit' onClick={() => panel.edit()}>{t('editRoute')}</button>}
        {canEdit && <button type='button' class='button route-detail__rename' disabled={busy} onClick={() => toggle('rename')}>{t('renameRoute')}</button>}
        {canEdit && d.route && (
          <button type='button' class='button route-detail__details' disabled={busy} onClick={() => toggle('details')}>{t('routeDetails')}</button>
        )}
        {canEdit && (
          <button type='button' class='button button--danger route-detail__delete' disabled={busy} onClick={() => void panel.remove(d)}>
            {t('deleteRoute')}
          </button>
        )}
        <a class='button route-detail__download' href={`/api/routes/${encodeURIComponent(d.id)}/export?format=plan`} download={`${d.id}.plan`}>
          {t('downloadPlan')}
        </a>
      </div>
      {canEdit && form === 'rename' && <RenameForm key={`rename-${d.id}`} panel={panel} detail={d} />}
      {canEdit && form === 'details' && d.route && <DetailsForm key={`details-${d.id}-${d.file}`} panel={panel} detail={d} />}
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
  const pending = panel.pending.value;
  return (
    <>
      <div class='route-drop' ref={drop} hidden={!canEdit}>
        <p class='route-drop__text'>{t('dropRoute')}</p>
        <button type='button' class='button route-drop__choose' onClick={() => file.current?.click()}>{t('chooseFile')}</button>
        <input
          type='file'
          class='route-drop__input'
          accept={ROUTE_FILES.join(',')}
          hidden
          ref={file}
          onChange={(event) => {
            const input = event.currentTarget;
            const picked = input.files?.[0];
            if (picked) void panel.importFile(picked);
            input.value = '';
          }}
        />
      </div>
      <OutcomeLine outcome={panel.outcome} />
      {panel.refusedIssues.value.length > 0 && (
        <ul class='route-detail__issues route-import__problems'>
          {panel.refusedIssues.value.map((i, n) => (
            <li key={n} class='route-issue route-issue--error'>
              <RouteIssueText issue={i} />
            </li>
          ))}
        </ul>
      )}
      {pending && <ImportPreview panel={panel} pending={pending} />}
      <ol class='route-list'>
        {routes.length ?
          routes.map((r) => <RouteRow key={r.id} route={r} selected={r.id === selected} onPick={() => void panel.pick(r.id)} />)
          : <li class='alert-list__empty'>{t('noRoutes')}</li>}
      </ol>
      <div class='route-detail'>{detail && <RouteDetailView panel={panel} detail={detail} canEdit={canEdit} />}</div>
    </>
  );
}
