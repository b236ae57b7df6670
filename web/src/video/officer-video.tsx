/**
 * The officer's phone: the video of the drone sent over the incident they hold (无人机先行), in the
 * job's card while the drone serves it, with a snapshot button that files the still to that
 * incident. The service says which drone that is (GET /api/video?alertId=) and lets this officer
 * watch only it, only while it serves their incident.
 */
import { effect, signal, type ReadonlySignal } from '@preact/signals';
import type { JobDroneView, VideoFeedView } from '../../../server/wire/types.ts';
import { t } from '../i18n.ts';
import { requestJson } from '../live.ts';
import { VideoPlayer } from './player.ts';
import { SnapshotBar, Snapshots } from './snapshot.tsx';
import { VideoTile } from './video-tile.tsx';

const underway = (d: JobDroneView) => d.state === 'arming' || d.state === 'climbing' || d.state === 'transit' || d.state === 'on_scene';

export interface JobVideoView {
  player: VideoPlayer;
  snaps: Snapshots;
}

export class OfficerVideos {
  /** by incident: the player of the drone over it */
  readonly players = signal<ReadonlyMap<number, JobVideoView>>(new Map());
  private readonly asking = new Set<number>();

  constructor(drones: ReadonlySignal<ReadonlyMap<number, JobDroneView>>) {
    effect(() => this.follow(drones.value));
  }

  for(alertId: number): JobVideoView | undefined {
    return this.players.value.get(alertId);
  }

  /** A player for each incident a drone serves now; none for the rest. */
  private follow(drones: ReadonlyMap<number, JobDroneView>): void {
    const next = new Map(this.players.peek());
    let changed = false;
    for (const [alertId, v] of next) {
      const d = drones.get(alertId);
      if (!d || !underway(d)) {
        v.player.stop();
        next.delete(alertId);
        changed = true;
      }
    }
    if (changed) this.players.value = next;
    for (const [alertId, d] of drones) if (underway(d) && !next.has(alertId)) void this.find(alertId);
  }

  /** Which drone's camera serves this incident: asked of the service (it may have none). */
  private async find(alertId: number): Promise<void> {
    if (this.asking.has(alertId)) return;
    this.asking.add(alertId);
    try {
      const [feed] = await requestJson<VideoFeedView[]>('GET', `/api/video?alertId=${alertId}`);
      if (feed && !this.players.peek().has(alertId)) {
        this.players.value = new Map(this.players.peek()).set(alertId, { player: new VideoPlayer(feed.vehicleId), snaps: new Snapshots() });
      }
    } catch {
      // asked again at the drone's next change
    } finally {
      this.asking.delete(alertId);
    }
  }
}

export function JobVideo({ video, alertId, number, now }: { video: JobVideoView | undefined; alertId: number; number: string; now: number }) {
  if (!video) return null;
  return (
    <div class='job__video'>
      <VideoTile player={video.player} title={t('officerVideo')} now={now}>
        <SnapshotBar snaps={video.snaps} player={video.player} incidentId={alertId} incidentLabel={number} />
      </VideoTile>
    </div>
  );
}
