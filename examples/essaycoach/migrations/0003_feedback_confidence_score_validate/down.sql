-- Validation changes no schema or data, so there is nothing to revert: a constraint cannot be marked
-- NOT VALID again. Rolling back past 0002 drops the column and its constraint.
SELECT 'nothing to revert for 0003' AS note;
