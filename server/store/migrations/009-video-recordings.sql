-- SkyBeat schema, version 9: the recorded video of each drone's runs (issue 16, record and replay).
-- One row per file: a minute or so of the camera's own pictures in fragmented MP4, in the data
-- folder's recordings/ (server/video/recorder.ts). A run's video is its drone's files over the
-- run's time, as its track is its drone's points over that time: a patrol and a drone-to-the-scene
-- detour flown inside it share the same files. Times between files are gaps: no pictures came.

CREATE TABLE video_segments (
  id          INTEGER PRIMARY KEY,
  vehicle_id  TEXT NOT NULL,
  file        TEXT NOT NULL UNIQUE,   -- relative to recordings/: DRONE/STAMP.mp4
  started_at  INTEGER NOT NULL,       -- ms since the epoch, of its first picture
  ended_at    INTEGER NOT NULL,       -- of the end of its last picture (kept up to date while written)
  bytes       INTEGER NOT NULL,
  writing     INTEGER NOT NULL DEFAULT 1,  -- 1 until closed: after a crash, the files to make whole
  codec       TEXT NOT NULL,          -- h264 | h265
  mime        TEXT NOT NULL,          -- video/mp4; codecs="avc1.42c01e": what a browser is asked
  width       INTEGER NOT NULL,
  height      INTEGER NOT NULL
);
CREATE INDEX video_segments_by_drone ON video_segments (vehicle_id, started_at);
