/**
 * The stations this user may see (GET /api/stations: the city's people get every station, a
 * station's people their own), and what the page calls each: its name when it has one, else its
 * id. Every drone carries its station's id (VehicleView.station); the list, the drone panel, the
 * stations tab and the map's station areas name it through here.
 */

import { computed, signal } from '@preact/signals';
import { DEFAULT_STATION_ID, type StationSummary } from '../../../server/wire/types.ts';
import { requestJson } from '../live.ts';

/**
 * A drone naming a station missing from the list (a node that joined the city since) has the list
 * read again, at most this often: the centre's map may carry hundreds of drones, each redrawn
 * every frame.
 */
const RELEARN_MS = 15_000;

export class StationDirectory {
  /** the service's last answer (null: not read yet) */
  readonly list = signal<StationSummary[] | null>(null);
  /** when the list was last read (ms since the epoch), null before */
  readonly readAt = signal<number | null>(null);
  private readonly byId = computed(() => new Map((this.list.value ?? []).map((s) => [s.id, s])));
  /** a read under way: one at a time, however many ask */
  private reading: Promise<void> | null = null;
  private askedAt = Number.NEGATIVE_INFINITY;

  /** Reads the list again; rejects with the request's error (the list shown stays as it was). */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    this.askedAt = Date.now();
    const list = await requestJson<StationSummary[]>('GET', '/api/stations');
    this.list.value = list;
    this.readAt.value = Date.now();
  }

  get(id: string): StationSummary | undefined {
    return this.byId.value.get(id);
  }

  /**
   * What the page calls station `id`: its name, else its id. "" for none, and for the station a
   * lone server is when its configuration names none (DEFAULT_STATION_ID): "main" tells nobody
   * anything, and the page says the configured name elsewhere when there is one.
   */
  label(id: string | undefined): string {
    if (!id) return '';
    const name = this.get(id)?.name;
    if (name) return name;
    if (id === DEFAULT_STATION_ID) return '';
    this.learn(id);
    return id;
  }

  /** A drone names a station the list lacks: read it again, unless read lately (errors: the id is shown meanwhile). */
  private learn(id: string): void {
    if (this.list.value === null || this.byId.value.has(id) || Date.now() - this.askedAt < RELEARN_MS) return;
    this.refresh().catch(() => {});
  }
}
