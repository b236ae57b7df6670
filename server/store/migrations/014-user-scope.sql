-- SkyBeat schema, version 14 (SQLite and PostgreSQL alike; issue 18): a user's scope, the part of
-- the city they see and act on: 'city' (every station: the city centre) or one station's id
-- ("hf"). Every user from before is 'city', so a single station works as it did.
--
-- Only the shape is checked, by the account layer (server/store/users.ts validScope): whether such
-- a station exists is known only to the nodes' configurations, not to the shared database, and a
-- station may be configured after its users are made.
ALTER TABLE users ADD COLUMN scope TEXT NOT NULL DEFAULT 'city';
