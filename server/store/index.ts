import path from 'node:path';
import { AuditLog } from './audit.ts';
import { AlertStore, GroundAlertStore } from './alerts.ts';
import { defaultStoreUrl, openDb, type Db } from './connection.ts';
import { ControlStore } from './control.ts';
import { DroneRequestStore } from './drone-requests.ts';
import { GotoRecordStore } from './gotos.ts';
import { RecordingStore } from './recordings.ts';
import { RunStore } from './runs.ts';
import { SnapshotStore } from './snapshots.ts';
import { TrackStore } from './tracks.ts';
import { UserStore } from './users.ts';
import { VideoSourceStore } from './video-sources.ts';
import { type JournalOptions, PostgresJournal, type RecordWriter, SqliteWriter } from './write-journal.ts';

/** The journal of writes waiting for PostgreSQL, in the data folder (write-journal.ts). */
export const JOURNAL_NAME = 'store-journal.jsonl';

export interface OpenStoreOptions {
  /** PostgreSQL's journal: its bound, and who hears when it fills or the database fails */
  journal?: Omit<JournalOptions, 'file'>;
}

export interface Store {
  db: Db;
  /** where it is, for messages: the SQLite file, or the PostgreSQL URL without its password */
  where: string;
  /** audit entries and track points on their way to the database */
  journal: RecordWriter;
  users: UserStore;
  audit: AuditLog;
  tracks: TrackStore;
  runs: RunStore;
  alerts: AlertStore;
  groundAlerts: GroundAlertStore;
  control: ControlStore;
  gotos: GotoRecordStore;
  droneRequests: DroneRequestStore;
  /** camera sources an admin set */
  videoSources: VideoSourceStore;
  /** the recorded video files of the drones' runs */
  recordings: RecordingStore;
  /** stills from the live video, kept as evidence */
  snapshots: SnapshotStore;
  close(): Promise<void>;
}

/**
 * Open the store: `url` (sqlite:PATH or postgres://…, see connection.ts), by default the SQLite
 * file in the data folder. Its schema is brought up to date first; a damaged or newer one is refused.
 */
export async function openStore(dataDir: string, url = defaultStoreUrl(dataDir), o: OpenStoreOptions = {}): Promise<Store> {
  const db = await openDb(url);
  const journal = db.sqlite
    ? new SqliteWriter(db.sqlite, o.journal?.onRefused)
    : new PostgresJournal(db.k, { ...o.journal, file: path.join(dataDir, JOURNAL_NAME) });
  const audit = new AuditLog(db, journal);
  const tracks = new TrackStore(db, journal);
  return {
    db,
    where: db.where,
    journal,
    users: new UserStore(db),
    audit,
    tracks,
    runs: new RunStore(db, journal),
    alerts: new AlertStore(db, journal),
    groundAlerts: new GroundAlertStore(db),
    control: new ControlStore(db),
    gotos: new GotoRecordStore(db, journal),
    droneRequests: new DroneRequestStore(db),
    videoSources: new VideoSourceStore(db),
    recordings: new RecordingStore(db),
    snapshots: new SnapshotStore(db),
    close: async () => {
      audit.close(); // the last counts of refused requests
      await journal.close(); // what waits to be written: written now, or kept in the file for the next start
      await db.close();
    },
  };
}
