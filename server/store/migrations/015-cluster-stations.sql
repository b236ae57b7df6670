-- SkyBeat schema, version 15 (SQLite and PostgreSQL alike; issue 18): each node's station as the node
-- said it (server/cluster/station-table.ts), so a node that starts while another is down still knows
-- that station's area: an incident there is the station's, not refused as outside every area.
-- station: the station as JSON (id, name, code, time zone, centre, radius); links: the node's link ids
-- as JSON; said_at: when the node last said it (ms since the epoch, its clock), read back for a day.
CREATE TABLE cluster_stations (
  node    TEXT PRIMARY KEY,
  station TEXT NOT NULL,
  links   TEXT NOT NULL,
  said_at INTEGER NOT NULL
);
