-- The guide's rollback (`migrate essay_submission 0004`): DeleteModel. The versions saved since the
-- deploy are lost; the rollback's own snapshot keeps them.
DROP TABLE IF EXISTS essay_submission_essayversion;
