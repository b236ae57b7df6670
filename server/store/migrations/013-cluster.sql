-- SkyBeat schema, version 13 (SQLite and PostgreSQL alike; issue 18): what the nodes of a city agree
-- on through the database they share (server/cluster/). Times are ms since the epoch, written from
-- the writing node's clock.
--
-- A lease: which node serves a thing that only one may serve at a time (a network link,
-- "link:<id>"), until when, and its epoch, raised each time another node takes it, so work stamped
-- with an old epoch can be told from the current holder's (fencing). A clean stop writes
-- expires_at 0, so another node takes it at once.
CREATE TABLE cluster_leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  epoch      INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);

-- A command forwarded from one node to the node that links the drone, by the command's id: the
-- first to write the row ('running', by the executing node; or 'abandoned', by the sender that
-- gave up waiting) decides, so a command runs at most once and never after its sender said it
-- was refused. result: the outcome as JSON once 'done'. Rows are pruned by age (at).
CREATE TABLE cluster_commands (
  id     TEXT PRIMARY KEY,
  node   TEXT NOT NULL,
  state  TEXT NOT NULL CHECK (state IN ('running', 'done', 'abandoned')),
  result TEXT,
  at     INTEGER NOT NULL
);
CREATE INDEX cluster_commands_at ON cluster_commands(at);
