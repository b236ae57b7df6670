/**
 * A still of the picture on screen, kept as evidence: the video element's current frame drawn
 * onto a canvas, sent as a JPEG (POST /api/snapshots, which adds where the drone was from its
 * telemetry), and attached to an incident — at once on the officer's phone (their incident), by
 * choice in the command room and the pilot's console.
 */
import { signal } from '@preact/signals';
import type { SnapshotView } from '../../../server/wire/types.ts';
import { clockTime } from '../format.ts';
import { t } from '../i18n.ts';
import { ApiError, reasonOf, requestJson } from '../live.ts';
import type { VideoPlayer } from './player.ts';

/** The picture as it is on screen, at its own size. */
function grab(video: HTMLVideoElement): Promise<Blob> {
  if (video.videoWidth === 0 || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) return Promise.reject(new Error(t('snapshotNoPicture')));
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')!.drawImage(video, 0, 0);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error(t('snapshotNoPicture')))), 'image/jpeg', 0.9));
}

export interface IncidentChoice {
  id: number;
  /** its number and what it is, as the desk names it */
  label: string;
}

/** One tile's stills: the last one taken, what became of it. */
export class Snapshots {
  readonly sending = signal(false);
  readonly last = signal<SnapshotView | null>(null);
  readonly error = signal<string | null>(null);

  /** attached: told when a still is filed to an incident (its evidence list is asked again) */
  constructor(private readonly attached: (alertId: number) => void = () => {}) {}

  async take(player: VideoPlayer, alertId?: number): Promise<void> {
    this.sending.value = true;
    this.error.value = null;
    try {
      const takenAt = Date.now();
      const image = await grab(player.video);
      const query = new URLSearchParams({ vehicleId: player.vehicleId, takenAt: String(takenAt), ...(alertId ? { alertId: String(alertId) } : {}) });
      const response = await fetch(`/api/snapshots?${query}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: image });
      const body: unknown = await response.json().catch(() => undefined);
      if (!response.ok) {
        const reason = (body as { error?: string } | undefined)?.error ?? `HTTP ${response.status}`;
        throw new ApiError(response.status, `POST /api/snapshots: ${reason}`, body, reason);
      }
      this.last.value = body as SnapshotView;
      if (alertId) this.attached(alertId);
    } catch (error) {
      this.error.value = reasonOf(error);
    } finally {
      this.sending.value = false;
    }
  }

  async attach(alertId: number): Promise<void> {
    const s = this.last.value;
    if (!s) return;
    this.sending.value = true;
    this.error.value = null;
    try {
      this.last.value = await requestJson<SnapshotView>('POST', `/api/snapshots/${s.id}/attach`, { alertId });
      this.attached(alertId);
    } catch (error) {
      this.error.value = reasonOf(error);
    } finally {
      this.sending.value = false;
    }
  }
}

/**
 * The snapshot button and what became of the last still. incidentId: file it to this incident at
 * once (the officer's); else a list of open incidents to attach it to afterwards.
 */
export function SnapshotBar({ snaps, player, incidentId, incidentLabel, incidents }: {
  snaps: Snapshots;
  player: VideoPlayer;
  incidentId?: number;
  /** how the page names that incident (its number) */
  incidentLabel?: string;
  incidents?: () => IncidentChoice[];
}) {
  const last = snaps.last.value;
  const live = player.state.value.kind === 'live' || player.state.value.kind === 'stale';
  const choices = incidents?.() ?? [];
  const label = (id: number) => (id === incidentId && incidentLabel) || (choices.find((c) => c.id === id)?.label ?? `#${id}`);
  return (
    <div class='snapshot'>
      <button type='button' class='button snapshot__take' disabled={snaps.sending.value || !live} onClick={() => void snaps.take(player, incidentId)}>
        {t('snapshotTake')}
      </button>
      {last && (
        <span class='snapshot__done' data-snapshot-id={String(last.id)} data-alert-id={last.alertId === null ? undefined : String(last.alertId)}>
          {last.alertId === null ?
            t('snapshotSaved', { time: clockTime(last.takenAt) }) :
            t('snapshotFiled', { time: clockTime(last.takenAt), incident: label(last.alertId) })}
        </span>
      )}
      {last && last.alertId === null && incidentId === undefined && choices.length > 0 && (
        <select
          class='snapshot__attach'
          disabled={snaps.sending.value}
          value=''
          onChange={(e) => {
            const id = Number((e.target as HTMLSelectElement).value);
            if (id) void snaps.attach(id);
          }}
        >
          <option value=''>{t('snapshotAttachTo')}</option>
          {choices.map((c) => <option key={c.id} value={String(c.id)}>{c.label}</option>)}
        </select>
      )}
      {snaps.error.value && <span class='snapshot__error' role='alert'>{t('snapshotFailed', { reason: snaps.error.value })}</span>}
    </div>
  );
}
