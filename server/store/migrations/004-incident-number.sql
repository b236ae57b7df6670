-- SkyBeat schema, version 4: an incident (ground alert) has its own readable number per station
-- and day, e.g. HF-20261202-003, apart from the id it shares with aircraft alerts. Issued by
-- GroundAlertStore.create in the same transaction as the row; incidents recorded before get theirs
-- at the next start (GroundAlertStore.numberOld), by the day they were raised. Aircraft alerts keep NULL.

ALTER TABLE alerts ADD COLUMN incident_no TEXT;
CREATE UNIQUE INDEX alerts_incident_no ON alerts(incident_no) WHERE incident_no IS NOT NULL;
