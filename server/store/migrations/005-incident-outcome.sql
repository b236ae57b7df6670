-- SkyBeat schema, version 5: how an incident ended (处置结果), as the officer resolving it or the
-- dispatcher closing it recorded it: one of handled, warned, handed_over, unfounded, other, a free
-- note, who gave it and when. The latest given is the incident's; each one given is also in its
-- events. Incidents recorded before keep NULL: nobody was asked. Only adds columns to `alerts`,
-- so it does not depend on what migration 004 changes.

ALTER TABLE alerts ADD COLUMN outcome TEXT;
ALTER TABLE alerts ADD COLUMN outcome_note TEXT;
ALTER TABLE alerts ADD COLUMN outcome_by TEXT;
ALTER TABLE alerts ADD COLUMN outcome_at INTEGER;
CREATE INDEX alerts_outcome ON alerts(outcome);
