/**
 * The admin tab's camera form: every drone the service has heard, with its video source and where
 * that came from (configured in the file or here, announced by the drone over MAVLink, or none),
 * its health, and a field to set it or clear the setting made here (GET and PUT
 * /api/video-sources, admins only: a camera URI can carry a password, which the service never
 * sends back). Drawn by Preact from the list as the service last answered it.
 */
import { signal } from '@preact/signals';
import type { VideoSourcesView, VideoSourceView } from '../../../server/wire/types.ts';
import { Outcome, OutcomeLine } from '../console/outcome.tsx';
import { clockTime } from '../format.ts';
import { t } from '../i18n.ts';
import { reasonOf, requestJson } from '../live.ts';
import './admin.css';

export class CameraSources {
  /** the service's last answer (null: not read yet) */
  readonly view = signal<VideoSourcesView | null>(null);
  /** what is typed per drone, kept across redraws */
  readonly typed = signal<Record<string, string>>({});
  /** the drone whose change is being sent */
  readonly sending = signal<string | null>(null);
  readonly outcome = new Outcome();

  async refresh(): Promise<void> {
    try {
      this.view.value = await requestJson<VideoSourcesView>('GET', '/api/video-sources');
    } catch (error) {
      this.outcome.show('error', 'camerasLoadFailed', { reason: reasonOf(error) });
    }
  }

  type(drone: string, value: string): void {
    this.typed.value = { ...this.typed.value, [drone]: value };
  }

  /** Approves what the drone announced (an RTSP camera the service would not follow on its word alone). */
  async approve(drone: string, uri: string): Promise<void> {
    this.sending.value = drone;
    try {
      // the URI shown is the one approved: a drone that announced another meanwhile is refused (409)
      this.view.value = await requestJson<VideoSourcesView>('POST', `/api/video-sources/${encodeURIComponent(drone)}/approve`, { uri });
      this.outcome.show('accepted', 'cameraApproveDone', { drone, uri: this.view.value.configured[drone] ?? '' });
    } catch (error) {
      this.outcome.show('refused', 'cameraFailed', { drone, reason: reasonOf(error) });
    } finally {
      this.sending.value = null;
    }
  }

  /** Sets the drone's source to what was typed (uri), or clears the page's setting (null). */
  async put(drone: string, uri: string | null): Promise<void> {
    this.sending.value = drone;
    try {
      this.view.value = await requestJson<VideoSourcesView>('PUT', `/api/video-sources/${encodeURIComponent(drone)}`, { uri });
      const { [drone]: _sent, ...rest } = this.typed.value;
      this.typed.value = rest;
      if (uri === null) this.outcome.show('accepted', 'cameraClearDone', { drone });
      else this.outcome.show('accepted', 'cameraSetDone', { drone, uri: this.view.value.configured[drone] ?? uri });
    } catch (error) {
      this.outcome.show('refused', 'cameraFailed', { drone, reason: reasonOf(error) });
    } finally {
      this.sending.value = null;
    }
  }
}

function CameraRow({ cameras, entry, setBy }: { cameras: CameraSources; entry: VideoSourceView; setBy: string | undefined }) {
  const typed = cameras.typed.value[entry.drone] ?? '';
  const busy = cameras.sending.value !== null;
  const from = setBy !== undefined ? t('cameraFrom_page', { user: setBy }) : t(`cameraFrom_${entry.from ?? 'none'}`);
  const health = entry.health;
  return (
    <li class='camera-row' data-drone={entry.drone} data-from={entry.from ?? 'none'}>
      <div class='camera-row__head'>
        <strong class='camera-row__drone'>{entry.drone}</strong>
        <span class='camera-row__from'>{from}</span>
        {health && (
          <span class='camera-row__health' data-state={health.state}>
            {t(`cameraState_${health.state}`)}
            {health.state !== 'live' && health.lastUnitMs ? ` · ${clockTime(health.lastUnitMs)}` : ''}
          </span>
        )}
      </div>
      <code class='camera-row__uri'>{entry.uri ?? '—'}</code>
      {entry.awaitingApproval && entry.announced ?
        (
          <p class='camera-row__announced camera-row__awaiting'>
            {t('cameraAwaiting', { uri: entry.announced })}{' '}
            <button
              type='button'
              class='button button--primary camera-row__approve'
              disabled={busy}
              onClick={() => void cameras.approve(entry.drone, entry.announced!)}
            >
              {t('cameraApprove')}
            </button>
          </p>
        ) :
        entry.announced && entry.from !== 'announced' && <p class='camera-row__announced'>{t('cameraAnnounced', { uri: entry.announced })}</p>}
      {entry.problem && !entry.awaitingApproval && <p class='camera-row__problem'>{entry.problem}</p>}
      <form
        class='camera-row__form'
        onSubmit={(event) => {
          event.preventDefault();
          if (typed.trim()) void cameras.put(entry.drone, typed.trim());
        }}
      >
        <label class='field camera-row__field'>
          <span>{t('cameraUri', { drone: entry.drone })}</span>
          <input
            class='camera-row__input'
            type='text'
            spellcheck={false}
            autocomplete='off'
            maxLength={500}
            placeholder={t('cameraUriHint')}
            value={typed}
            onInput={(event) => cameras.type(entry.drone, event.currentTarget.value)}
          />
        </label>
        <button type='submit' class='button button--primary camera-row__set' disabled={busy || !typed.trim()}>{t('cameraSet')}</button>
        <button type='button' class='button camera-row__clear' disabled={busy || setBy === undefined} onClick={() => void cameras.put(entry.drone, null)}>
          {t('cameraClear')}
        </button>
      </form>
    </li>
  );
}

export function CameraSourcesView({ cameras }: { cameras: CameraSources }) {
  const view = cameras.view.value;
  const setHere = new Map(view?.setInPage.map((s) => [s.drone, s.setBy]));
  return (
    <section class='cameras'>
      <h2 class='sidebar__title'>{t('camerasTitle')}</h2>
      <p class='sidebar__hint'>{t('camerasHint')}</p>
      <OutcomeLine outcome={cameras.outcome} class='cameras__outcome' />
      <ol class='cameras__list'>
        {view?.sources.length ?
          view.sources.map((entry) => <CameraRow key={entry.drone} cameras={cameras} entry={entry} setBy={setHere.get(entry.drone)} />) :
          view && <li class='sidebar__empty'>{t('camerasNone')}</li>}
      </ol>
    </section>
  );
}
