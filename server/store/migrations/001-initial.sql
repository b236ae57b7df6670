-- SkyBeat schema, version 1. Times are milliseconds since the Unix epoch (UTC).

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name  TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);

-- A user may hold several roles: a command-room user who is also a pilot may fly.
CREATE TABLE user_roles (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role    TEXT NOT NULL CHECK (role IN ('pilot', 'command', 'officer', 'admin')),
  PRIMARY KEY (user_id, role)
);

-- Only a hash of the session token is stored: a stolen database file opens no sessions.
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ip         TEXT
);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE audit (
  id      INTEGER PRIMARY KEY,
  time    INTEGER NOT NULL,
  user    TEXT,              -- user name, or NULL for the system / an unknown caller
  action  TEXT NOT NULL,     -- e.g. login, logout, user.add, vehicle.command, patrol.launch, alert.update, access.denied
  target  TEXT,              -- what it was done to: a vehicle id, a route id, an alert id, a user name
  result  TEXT NOT NULL,     -- ok, denied, failed, or a command result
  detail  TEXT,              -- JSON with the specifics
  ip      TEXT
);
CREATE INDEX audit_time ON audit(time);

CREATE TABLE vehicles (
  id         TEXT PRIMARY KEY, -- link id + sysid, as the API names it
  sysid      INTEGER NOT NULL,
  link_uri   TEXT NOT NULL,
  autopilot  TEXT NOT NULL,
  type       TEXT NOT NULL,
  callsign   TEXT,
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL
);

-- Flight tracks, downsampled to about one point a second per vehicle.
CREATE TABLE track_points (
  vehicle_id TEXT NOT NULL,
  time       INTEGER NOT NULL,
  lat        REAL NOT NULL,
  lon        REAL NOT NULL,
  alt_msl    REAL,
  alt_rel    REAL,
  heading    REAL,
  speed      REAL,
  battery    REAL,
  mode       TEXT,
  armed      INTEGER NOT NULL
);
CREATE INDEX track_points_vehicle_time ON track_points(vehicle_id, time);

CREATE TABLE patrol_runs (
  id         INTEGER PRIMARY KEY,
  vehicle_id TEXT NOT NULL,
  route_id   TEXT NOT NULL,
  route_json TEXT NOT NULL,    -- the route as flown, so later edits of the file do not rewrite history
  pilot      TEXT NOT NULL,
  state      TEXT NOT NULL,    -- preflight, uploading, launching, flying, paused, returning, landed, aborted, failed
  started_at INTEGER NOT NULL,
  ended_at   INTEGER,
  distance_m REAL,
  max_alt_m  REAL,
  min_battery REAL,
  result     TEXT
);
CREATE INDEX patrol_runs_vehicle ON patrol_runs(vehicle_id, started_at);

CREATE TABLE patrol_events (
  id     INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES patrol_runs(id) ON DELETE CASCADE,
  time   INTEGER NOT NULL,
  kind   TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX patrol_events_run ON patrol_events(run_id, time);

CREATE TABLE alerts (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('aircraft', 'ground')),
  category    TEXT NOT NULL,
  severity    TEXT NOT NULL,   -- warning (red), caution (amber), info
  priority    INTEGER,
  lat         REAL,
  lon         REAL,
  vehicle_id  TEXT,
  note        TEXT,
  state       TEXT NOT NULL,   -- open, dispatched, accepted, en_route, on_scene, resolved, closed
  created_by  TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  closed_at   INTEGER
);
CREATE INDEX alerts_time ON alerts(created_at);

CREATE TABLE alert_events (
  id       INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  time     INTEGER NOT NULL,
  user     TEXT,
  kind     TEXT NOT NULL,      -- created, notified, accepted, en_route, on_scene, resolved, declined, reassigned, closed
  detail   TEXT
);
CREATE INDEX alert_events_alert ON alert_events(alert_id, time);
