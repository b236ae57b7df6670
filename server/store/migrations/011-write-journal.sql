-- SkyBeat schema, version 11 (SQLite and PostgreSQL alike; issue 17). What the service writes without
-- waiting (audit entries, a second of track points) goes, on PostgreSQL, through a journal on local
-- disk first (store/write-journal.ts), so a database that is away loses none of it. Each journal
-- entry's key is recorded here in the transaction that applies it: replayed after a crash or an
-- outage, an entry already applied is skipped, so nothing is written twice. Keys are kept a week.
-- An audit row a refusal count updates later is found by its entry_key (its id is not known when
-- the journal writes it).

CREATE TABLE journal_applied (
  key TEXT PRIMARY KEY,
  at  INTEGER NOT NULL
);
CREATE INDEX journal_applied_at ON journal_applied(at);
ALTER TABLE audit ADD COLUMN entry_key TEXT;
CREATE UNIQUE INDEX audit_entry_key ON audit(entry_key) WHERE entry_key IS NOT NULL;
