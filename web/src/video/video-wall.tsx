/**
 * The command room's video wall (视频墙): every drone in the air, up to nine at once, each tile
 * named and marked live or "no video since …"; a click enlarges one, with its overlays and the
 * snapshot button. Shown over the map while open; its players run only then (each is a socket
 * and a decoder).
 */
import { signal } from '@preact/signals';
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import type { VehicleView } from '../../../server/wire/types.ts';
import { t } from '../i18n.ts';
import type { Evidence } from './evidence.tsx';
import type { VideoFeeds } from './feeds.ts';
import { VideoPlayer } from './player.ts';
import { SnapshotBar, Snapshots, type IncidentChoice } from './snapshot.tsx';
import { VideoTile } from './video-tile.tsx';

export const WALL_TILES = 9;

/** In the air: armed, and above the ground by more than a metre when its height is known. */
export const isAirborne = (v: VehicleView) => v.armed && (v.position === null || v.position.altRel > 1);

export interface VideoWallDeps {
  feeds: VideoFeeds;
  vehicles(): ReadonlyMap<string, VehicleView>;
  callsign(vehicleId: string): string;
  /** open incidents a still may be filed to */
  incidents(): IncidentChoice[];
  evidence: Evidence;
}

export class VideoWall {
  readonly open = signal(false);
  readonly enlarged = signal<string | null>(null);
  readonly now = signal(Date.now());
  /** the drones on the wall, in order; and how many more are in the air */
  readonly shown = signal<readonly string[]>([]);
  readonly more = signal(0);
  /** a signal, so a tile without a player is drawn again when it gets one */
  private readonly players = signal<ReadonlyMap<string, VideoPlayer>>(new Map());
  private readonly snaps = new Map<string, Snapshots>();

  constructor(readonly element: HTMLElement, readonly deps: VideoWallDeps) {
    render(<WallView wall={this} />, element);
    setInterval(() => this.tick(), 1000);
  }

  toggle(open = !this.open.value): void {
    this.open.value = open;
    this.element.hidden = !open;
    if (!open) this.enlarged.value = null;
    this.tick();
  }

  /** Opens the wall with this drone enlarged (from the drone panel's picture). */
  enlarge(vehicleId: string | null): void {
    if (vehicleId && !this.open.value) this.toggle(true);
    this.enlarged.value = vehicleId;
    this.tick();
  }

  player(vehicleId: string): VideoPlayer | undefined {
    return this.players.value.get(vehicleId);
  }

  snapshots(vehicleId: string): Snapshots {
    let s = this.snaps.get(vehicleId);
    if (!s) this.snaps.set(vehicleId, s = new Snapshots((id) => void this.deps.evidence.refresh(id)));
    return s;
  }

  /** Once a second: the clock, which drones are up, a player for each with a camera and none for the rest. */
  private tick(): void {
    this.now.value = Date.now();
    const open = this.open.value;
    const airborne = [...this.deps.vehicles().values()].filter(isAirborne)
      .sort((a, b) => a.callsign.localeCompare(b.callsign, undefined, { numeric: true }))
      .map((v) => v.id);
    const shown = open ? airborne.slice(0, WALL_TILES) : [];
    if (shown.join() !== this.shown.value.join()) this.shown.value = shown;
    this.more.value = open ? Math.max(0, airborne.length - WALL_TILES) : 0;
    const wanted = new Set(shown.filter((id) => this.deps.feeds.has(id)));
    const big = this.enlarged.value;
    if (open && big && this.deps.feeds.has(big)) wanted.add(big);
    const players = new Map(this.players.peek());
    let changed = false;
    for (const [id, p] of players) {
      if (!wanted.has(id)) {
        p.stop();
        players.delete(id);
        changed = true;
      }
    }
    for (const id of wanted) {
      if (!players.has(id)) {
        players.set(id, new VideoPlayer(id));
        changed = true;
      }
    }
    if (changed) this.players.value = players;
  }
}

function Tile({ wall, id, large }: { wall: VideoWall; id: string; large?: boolean }) {
  const { deps } = wall;
  const player = wall.player(id);
  const vehicle = deps.vehicles().get(id);
  const title = deps.callsign(id);
  if (!player) {
    return (
      <figure class='video video--none' data-vehicle-id={id} data-state='none'>
        <div class='video__frame'>
          <span class='video__badge video__badge--none'>{t('videoNoCamera')}</span>
        </div>
        <figcaption class='video__title'>{title}</figcaption>
      </figure>
    );
  }
  const snaps = wall.snapshots(id);
  return (
    <VideoTile player={player} title={title} vehicle={vehicle} now={wall.now.value} large={large} onEnlarge={large ? undefined : () => wall.enlarge(id)}>
      {large && <SnapshotBar snaps={snaps} player={player} incidents={deps.incidents} />}
    </VideoTile>
  );
}

function WallView({ wall }: { wall: VideoWall }) {
  const open = wall.open.value;
  const big = wall.enlarged.value;
  const shown = wall.shown.value;
  // Feeds and telemetry change under the tiles: drawn again with the clock.
  void wall.now.value;
  void wall.deps.feeds.feeds.value;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && wall.open.value) {
        if (wall.enlarged.value) wall.enlarge(null);
        else wall.toggle(false);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  if (!open) return null;
  return (
    <section class='video-wall__inner' aria-label={t('videoWall')}>
      <header class='video-wall__head'>
        <h2 class='video-wall__title'>{t('videoWall')}</h2>
        {wall.more.value > 0 && <span class='video-wall__more'>{t('videoWallMore', { n: wall.more.value })}</span>}
        {big && <button type='button' class='button video-wall__back' onClick={() => wall.enlarge(null)}>{t('videoBackToWall')}</button>}
        <button type='button' class='button video-wall__close' onClick={() => wall.toggle(false)}>{t('close')}</button>
      </header>
      {big ?
        (
          <div class='video-wall__large'>
            <Tile wall={wall} id={big} large />
          </div>
        ) :
        shown.length === 0 ?
        <p class='video-wall__empty'>{t('videoWallEmpty')}</p> :
        (
          <div class={`video-wall__grid video-wall__grid--${Math.min(3, Math.ceil(Math.sqrt(shown.length)))}`}>
            {shown.map((id) => <Tile key={id} wall={wall} id={id} />)}
          </div>
        )}
    </section>
  );
}
