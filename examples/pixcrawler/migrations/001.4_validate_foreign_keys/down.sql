-- Validation changes no schema or data: a constraint cannot be marked NOT VALID again. Rolling back
-- past 001.3 drops the foreign keys themselves.
SELECT 'nothing to revert for 001.4' AS note;
