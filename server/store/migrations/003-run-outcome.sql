-- SkyBeat schema, version 3: how a patrol run ended, as data (JSON: completed; returned early
-- after which item of how many, and by whom; aborted; failed, with the reason), beside the
-- result's words. Runs recorded before keep NULL: their result text is all there is.

ALTER TABLE patrol_runs ADD COLUMN outcome TEXT;
