-- Validation changes no schema or data, so there is nothing to revert: a constraint cannot be marked
-- NOT VALID again. Rolling back past 0023 drops the constraints themselves.
SELECT 'nothing to revert for 0024' AS note;
