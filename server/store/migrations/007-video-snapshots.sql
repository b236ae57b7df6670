-- SkyBeat schema, version 7: stills from a drone's live video (issue 16), kept as evidence.
-- The JPEG is kept in the database beside its record, so a backup (npm run backup) holds the
-- evidence with the incident it belongs to. Where and when come from the drone's telemetry and
-- the page's clock at the moment the picture was on screen.

CREATE TABLE video_snapshots (
  id          INTEGER PRIMARY KEY,
  vehicle_id  TEXT NOT NULL,
  taken_at    INTEGER NOT NULL,   -- ms since the epoch: when the picture was on screen
  taken_by    TEXT NOT NULL,
  lat         REAL,
  lon         REAL,
  alt_m       REAL,               -- above home
  heading_deg REAL,
  alert_id    INTEGER REFERENCES alerts(id),   -- the incident it is evidence for, once attached
  width       INTEGER NOT NULL,
  height      INTEGER NOT NULL,
  mime        TEXT NOT NULL,
  image       BLOB NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX video_snapshots_alert ON video_snapshots(alert_id, taken_at);
CREATE INDEX video_snapshots_vehicle ON video_snapshots(vehicle_id, taken_at);
