/**
 * The picked drone's video at the top of its panel, beside its telemetry: the pilot flies with it
 * in view, the command room looks in. A click enlarges it on the video wall. One player, for the
 * drone shown; none while no drone with a camera is.
 */
import { signal } from '@preact/signals';
import type { VehicleView } from '../../../server/wire/types.ts';
import type { Evidence } from './evidence.tsx';
import type { VideoFeeds } from './feeds.ts';
import { VideoPlayer } from './player.ts';
import { SnapshotBar, Snapshots, type IncidentChoice } from './snapshot.tsx';
import { VideoTile } from './video-tile.tsx';
import type { VideoWall } from './video-wall.tsx';

export interface DroneVideoDeps {
  feeds: VideoFeeds;
  wall: VideoWall;
  incidents(): IncidentChoice[];
  evidence: Evidence;
}

export class DroneVideo {
  readonly now = signal(Date.now());
  readonly player = signal<VideoPlayer | null>(null);
  snaps: Snapshots;
  private selected: string | null = null;

  constructor(readonly deps: DroneVideoDeps) {
    this.snaps = this.newSnapshots();
    setInterval(() => {
      this.now.value = Date.now();
      // a camera may appear (or go) while the panel is open
      this.select(this.selected);
    }, 1000);
  }

  private newSnapshots(): Snapshots {
    return new Snapshots((id) => void this.deps.evidence.refresh(id));
  }

  /** The drone whose panel is open (null: none): its player, started or stopped. */
  select(vehicleId: string | null): void {
    this.selected = vehicleId;
    const want = vehicleId !== null && this.deps.feeds.has(vehicleId) ? vehicleId : null;
    const current = this.player.value;
    if (current?.vehicleId === want) return;
    current?.stop();
    this.snaps = this.newSnapshots();
    this.player.value = want ? new VideoPlayer(want) : null;
  }
}

export function DroneVideoSection({ video, view }: { video: DroneVideo; view: VehicleView }) {
  const player = video.player.value;
  if (!player || player.vehicleId !== view.id) return null;
  return (
    <section class='console__video'>
      <VideoTile player={player} title={view.callsign} vehicle={view} now={video.now.value} onEnlarge={() => video.deps.wall.enlarge(view.id)}>
        <SnapshotBar snaps={video.snaps} player={player} incidents={video.deps.incidents} />
      </VideoTile>
    </section>
  );
}
