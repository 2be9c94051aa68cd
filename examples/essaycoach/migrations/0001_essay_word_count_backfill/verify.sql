-- The batch command's result: every essay has its word count (the application fills it for new ones).
SELECT NOT EXISTS (SELECT 1 FROM essay_submission_essay WHERE word_count IS NULL) AS every_essay_has_a_word_count;

-- Guide, "Data Integrity Tests" (test_essay_user_relationship): essay-user relationships are
-- maintained after migrations.
SELECT NOT EXISTS (
  SELECT 1 FROM essay_submission_essay e WHERE NOT EXISTS (SELECT 1 FROM auth_user u WHERE u.id = e.user_id)
) AS every_essay_keeps_its_student;
