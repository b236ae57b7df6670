-- SkyBeat schema, version 6: drone to the scene (无人机先行) outlives a restart of the service.
-- Each drone sent to a point, with its checks, its hold and where it left a patrol (JSON), and its
-- record of events; and the command room's requests for a drone over an incident. A goto that was
-- flying when the service stopped is watched again from telemetry (patrols/goto.ts), never assumed.

CREATE TABLE gotos (
  id           INTEGER PRIMARY KEY,
  vehicle_id   TEXT NOT NULL,
  pilot        TEXT NOT NULL,
  alert_id     INTEGER REFERENCES alerts(id),
  lat          REAL NOT NULL,
  lon          REAL NOT NULL,
  alt_m        REAL NOT NULL,    -- transit and hold height above home
  hold_min     REAL NOT NULL,    -- planned time over the point (the battery check counted it)
  hold         TEXT NOT NULL,    -- orbit, position
  state        TEXT NOT NULL,    -- arming, climbing, transit, on_scene, returning, resumed, ended, failed
  checks       TEXT NOT NULL,    -- the checks it passed (JSON, as the launch's preflight)
  started_at   INTEGER NOT NULL,
  arrived_at   INTEGER,
  ended_at     INTEGER,
  held_ms      INTEGER NOT NULL DEFAULT 0,
  keep_holding INTEGER NOT NULL DEFAULT 0,
  left_patrol  TEXT              -- JSON: the run it left, the item and place
);
CREATE INDEX gotos_vehicle ON gotos(vehicle_id, id);
CREATE INDEX gotos_alert ON gotos(alert_id);

CREATE TABLE goto_events (
  id      INTEGER PRIMARY KEY,
  goto_id INTEGER NOT NULL REFERENCES gotos(id) ON DELETE CASCADE,
  time    INTEGER NOT NULL,
  kind    TEXT NOT NULL,
  detail  TEXT NOT NULL          -- JSON: the message, as English and as code and parameters
);
CREATE INDEX goto_events_goto ON goto_events(goto_id, id);

CREATE TABLE drone_requests (
  id           INTEGER PRIMARY KEY,
  alert_id     INTEGER NOT NULL REFERENCES alerts(id),
  lat          REAL NOT NULL,
  lon          REAL NOT NULL,
  requested_by TEXT NOT NULL,
  at           INTEGER NOT NULL,
  note         TEXT NOT NULL,
  state        TEXT NOT NULL,    -- open, accepted, cancelled
  accepted_by  TEXT,
  vehicle_id   TEXT,
  goto_id      INTEGER REFERENCES gotos(id)
);
CREATE INDEX drone_requests_state ON drone_requests(state);
