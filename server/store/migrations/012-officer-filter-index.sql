-- SkyBeat schema, version 12 (SQLite and PostgreSQL alike; issue 17): the incident log filtered by
-- the officer who took the job (GroundAlertStore.log) looks up accept events by kind and name. A
-- city's month (100,000 incidents, 800,000 events) took 236-863 ms on SQLite without it, 3-13 ms
-- with it (bench/store.bench.ts). Names compare without case, as at login.

CREATE INDEX alert_events_kind_user ON alert_events(kind, lower("user"));
