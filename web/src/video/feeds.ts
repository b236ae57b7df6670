/**
 * Which drones have a camera this user may watch (GET /api/video), asked again every few seconds:
 * the wall and the drone panel show a picture only where there is one. Nothing here touches the DOM.
 */
import { signal } from '@preact/signals';
import type { VideoFeedView } from '../../../server/wire/types.ts';
import { requestJson } from '../live.ts';

const POLL_MS = 5000;

export class VideoFeeds {
  readonly feeds = signal<ReadonlyMap<string, VideoFeedView>>(new Map());
  private timer: ReturnType<typeof setInterval> | null = null;

  /** Starts asking (again at once, then every few seconds). */
  start(): void {
    void this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), POLL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  has(vehicleId: string): boolean {
    return this.feeds.value.has(vehicleId);
  }

  async refresh(query = ''): Promise<void> {
    try {
      const list = await requestJson<VideoFeedView[]>('GET', `/api/video${query}`);
      this.feeds.value = new Map(list.map((f) => [f.vehicleId, f]));
    } catch {
      // not logged in yet, or the network: the next round asks again; the tiles say what they see
    }
  }
}
