import type { Db } from './connection.ts';

/** One recorded video file (migration 009): a minute or so of a drone's camera. */
export interface SegmentRow {
  id: number;
  vehicleId: string;
  /** relative to the data folder's recordings/ */
  file: string;
  startedAt: number;
  endedAt: number;
  bytes: number;
  /** still being written (or cut off by a crash, until recovery) */
  writing: boolean;
  codec: 'h264' | 'h265';
  mime: string;
  width: number;
  height: number;
}

const COLUMNS = [
  'id',
  'vehicle_id as vehicleId',
  'file',
  'started_at as startedAt',
  'ended_at as endedAt',
  'bytes',
  'writing',
  'codec',
  'mime',
  'width',
  'height',
] as const;

// the flag is 0/1 on both databases; the codec is what the recorder wrote (h264 | h265)
type Stored = Omit<SegmentRow, 'writing' | 'codec'> & { writing: number; codec: string };
const parsed = (r: Stored): SegmentRow => ({ ...r, writing: r.writing === 1, codec: r.codec as SegmentRow['codec'] });

/**
 * The recordings' index: which files hold which drone's pictures over which time. The recorder
 * (video/recorder.ts) adds and closes them; recovery and retention (video/recording-files.ts) make
 * them whole and remove them; a run's replay and export read them by drone and time.
 */
export class RecordingStore {
  constructor(private readonly db: Db) {}

  async opened(s: Omit<SegmentRow, 'id' | 'endedAt' | 'bytes' | 'writing'>): Promise<number> {
    const row = await this.db.k.insertInto('video_segments')
      .values({
        vehicle_id: s.vehicleId,
        file: s.file,
        started_at: s.startedAt,
        ended_at: s.startedAt,
        bytes: 0,
        writing: 1,
        codec: s.codec,
        mime: s.mime,
        width: s.width,
        height: s.height,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async grew(id: number, endedAt: number, bytes: number): Promise<void> {
    await this.db.k.updateTable('video_segments').set({ ended_at: endedAt, bytes }).where('id', '=', id).execute();
  }

  async closed(id: number, endedAt: number, bytes: number): Promise<void> {
    await this.db.k.updateTable('video_segments').set({ ended_at: endedAt, bytes, writing: 0 }).where('id', '=', id).execute();
  }

  async remove(id: number): Promise<void> {
    await this.db.k.deleteFrom('video_segments').where('id', '=', id).execute();
  }

  async get(id: number): Promise<SegmentRow | undefined> {
    const r = await this.db.k.selectFrom('video_segments').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    return r && parsed(r);
  }

  async unfinished(): Promise<SegmentRow[]> {
    const rows = await this.db.k.selectFrom('video_segments').select(COLUMNS).where('writing', '=', 1).orderBy('started_at').orderBy('id').execute();
    return rows.map(parsed);
  }

  async finished(): Promise<SegmentRow[]> {
    const rows = await this.db.k.selectFrom('video_segments').select(COLUMNS).where('writing', '=', 0).orderBy('started_at').orderBy('id').execute();
    return rows.map(parsed);
  }

  /** A drone's files with pictures between from and to (ms), oldest first. */
  async during(vehicleId: string, from: number, to: number): Promise<SegmentRow[]> {
    const rows = await this.db.k.selectFrom('video_segments').select(COLUMNS)
      .where('vehicle_id', '=', vehicleId)
      .where('started_at', '<', to)
      .where('ended_at', '>', from)
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    return rows.map(parsed);
  }
}
