-- SkyBeat schema, version 2: who is in command of each drone outlives a restart of the service,
-- so a pilot whose drone is in the air keeps command of it without taking it again.

CREATE TABLE drone_control (
  vehicle_id TEXT PRIMARY KEY,
  pilot      TEXT NOT NULL,
  since      INTEGER NOT NULL
);
