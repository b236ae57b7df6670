-- SkyBeat schema, version 8: camera sources an admin set in the page (issue 16), kept across
-- restarts. They win over the configuration file's video.sources for the same drone; removing one
-- gives the drone back to the file (or to what it announces over MAVLink).

CREATE TABLE video_sources (
  drone   TEXT PRIMARY KEY,   -- a vehicle id ("l1-3") or a sysid ("3")
  uri     TEXT NOT NULL,      -- as given, password included: served to admins only redacted
  set_by  TEXT NOT NULL,
  set_at  INTEGER NOT NULL    -- ms since the epoch
);
