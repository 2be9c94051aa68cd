-- Guide, Search Module rollback: "Extensions are not dropped automatically to avoid affecting other
-- apps". Nothing to revert: pg_trgm and unaccent stay installed.
SELECT 'pg_trgm and unaccent are kept: other applications may use them' AS note;
