import path from 'node:path';
import { AuditLog } from './audit.ts';
import { AlertStore, GroundAlertStore } from './alerts.ts';
import { ControlStore } from './control.ts';
import { DATABASE_NAME } from './database-file.ts';
import { DroneRequestStore } from './drone-requests.ts';
import { openDatabase, type Db } from './db.ts';
import { GotoRecordStore } from './gotos.ts';
import { RecordingStore } from './recordings.ts';
import { RunStore } from './runs.ts';
import { TrackStore } from './tracks.ts';
import { UserStore } from './users.ts';
import { VideoSourceStore } from './video-sources.ts';

export interface Store {
  db: Db;
  file: string;
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
  close(): void;
}

export function openStore(dataDir: string): Store {
  const file = path.join(dataDir, DATABASE_NAME);
  const db = openDatabase(file);
  const audit = new AuditLog(db);
  return {
    db,
    file,
    users: new UserStore(db),
    audit,
    tracks: new TrackStore(db),
    runs: new RunStore(db),
    alerts: new AlertStore(db),
    groundAlerts: new GroundAlertStore(db),
    control: new ControlStore(db),
    gotos: new GotoRecordStore(db),
    droneRequests: new DroneRequestStore(db),
    videoSources: new VideoSourceStore(db),
    recordings: new RecordingStore(db),
    close: () => {
      audit.close(); // the last counts of refused requests
      db.close();
    },
  };
}
