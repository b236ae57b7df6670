-- SkyBeat schema, version 10 (SQLite and PostgreSQL alike): indexes for a city's questions over a
-- period across all drones (issue 17): the heat map's track points by time, the history's runs by
-- start, the incident log by kind and time. The per-drone indexes answer per-drone questions only.

CREATE INDEX track_points_time ON track_points(time);
CREATE INDEX patrol_runs_started ON patrol_runs(started_at);
CREATE INDEX alerts_kind_time ON alerts(kind, created_at);
