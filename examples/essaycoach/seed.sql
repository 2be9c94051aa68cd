-- Realistic EssayCoach data, deterministic (the same rows every run, no random()): 1,200 students,
-- 100,000 essays written from September 2024 to August 2025, 50,000 AI feedback items on the reviewed
-- ones, 16,800 old-format monthly analytics rows and 3,600 rows the new analytics model already has.
--
-- Essay text is what students type: words separated by single and double spaces, tabs, line breaks
-- and blank lines, sometimes with leading or trailing white space, some empty drafts and some that
-- are only white space. Essay g has 5 + (7919 g) mod 41 words (0 for the empty and blank drafts); a
-- "word" is any run of non-space characters ("e.g.", "—", "students'"), as Python's str.split()
-- counts them. word_count (essay_submission.0004) is filled only for the essays written after that
-- migration was deployed (ids above 90,000), by the application, with the right count; the older
-- ones wait for the guide's batch command.

INSERT INTO auth_user (id, password, username, first_name, last_name, email, is_staff, is_superuser, date_joined)
SELECT
  u,
  'pbkdf2_sha256$870000$seed$' || md5('essaycoach-user-' || u),
  'student' || u,
  (ARRAY['Ava', 'Liam', 'Maya', 'Noah', 'Zara', 'Ethan', 'Priya', 'Lucas', 'Amara', 'Oliver', 'Sofia', 'Kenji'])[1 + u % 12],
  (ARRAY['Nguyen', 'Okafor', 'Smith', 'García', 'Kowalski', 'Haddad', 'Chen', 'Mensah', 'Rossi'])[1 + u % 9],
  'student' || u || '@essaycoach.example',
  u <= 5,
  u = 1,
  timestamptz '2024-08-15 09:00:00+00' + u * interval '3 hours'
FROM generate_series(1, 1200) AS u;

INSERT INTO essay_submission_essay (id, user_id, title, content, status, submitted_at, created_at, word_count)
SELECT
  g,
  1 + g % 1200,
  (ARRAY['The causes of', 'Reflections on', 'A case for', 'Against', 'Why we still need', 'Rethinking'])[1 + g % 6] || ' '
    || (ARRAY['the French Revolution', 'climate policy', 'school uniforms', 'social media', 'public libraries', 'nuclear energy',
              'remote learning', 'the four-day week', 'standardised tests', 'urban gardens'])[1 + (g / 6) % 10],
  text.content,
  CASE WHEN g % 10 = 0 THEN 'draft' WHEN g % 10 < 7 THEN 'submitted' ELSE 'reviewed' END,
  CASE WHEN g % 10 = 0 THEN NULL ELSE timestamptz '2024-09-01 08:00:00+00' + g * interval '5 minutes' + interval '40 minutes' END,
  timestamptz '2024-09-01 08:00:00+00' + g * interval '5 minutes',
  CASE WHEN g > 90000 THEN text.words END
FROM generate_series(1, 100000) AS g
CROSS JOIN LATERAL (
  SELECT CASE WHEN g % 97 = 0 OR g % 89 = 0 THEN 0 ELSE 5 + (7919 * g) % 41 END AS words
) AS size
CROSS JOIN LATERAL (
  SELECT size.words,
    CASE
      WHEN g % 97 = 0 THEN ''
      WHEN g % 89 = 0 THEN E'  \n\t '
      ELSE
        CASE WHEN g % 13 = 0 THEN E'\n  ' ELSE '' END
        || string_agg(
             (ARRAY['The', 'essay', 'argues', 'that', 'students', 'should', 'read', 'more', 'books,', 'because', 'reading',
                    'builds', 'vocabulary', 'and', 'empathy.', 'However,', 'critics', 'say', 'screens', 'e.g.', 'phones',
                    'and', 'tablets', 'offer', 'the', 'same', 'benefits', '—', 'a', 'claim', 'this', 'thesis', 'rejects.',
                    'Evidence', 'from', 'three', 'studies', 'suggests', 'otherwise;', 'teachers''', 'reports', 'agree.',
                    'In', 'conclusion,', 'libraries', 'matter', '(still)', 'for', 'every', 'learner', 'today.', '2024',
                    'data', 'shows', 'a', '12%', 'rise', 'in', 'borrowing', 'too.'])[1 + (31 * g + 17 * j) % 60]
             || CASE WHEN j = size.words THEN ''
                  ELSE (ARRAY[' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', '  ', E'\n', E'\n\n', E' \t', E'\t', ' ', E' \n '])[1 + (g + 7 * j) % 23]
             END,
             '' ORDER BY j)
        || CASE WHEN g % 7 = 0 THEN E' \n' ELSE '' END
    END AS content
  FROM generate_series(1, size.words) AS j
) AS text;

-- Feedback on the reviewed essays (g mod 10 in 7..9): one or two items each.
INSERT INTO ai_feedback_feedback (essay_id, feedback_type, comment, score, created_at)
SELECT
  e.id,
  (ARRAY['grammar', 'structure', 'content', 'style'])[1 + (e.id + k) % 4],
  (ARRAY['Check subject-verb agreement in the second paragraph.', 'The thesis could be stated earlier.',
         'Support the claim with a cited source.', 'Vary sentence length for rhythm.', 'Good use of evidence.',
         'The conclusion repeats the introduction.'])[1 + (e.id * 3 + k) % 6],
  (e.id * 7 + k) % 10,
  e.submitted_at + k * interval '1 hour'
FROM essay_submission_essay e
CROSS JOIN LATERAL generate_series(1, 1 + e.id::int % 2) AS k
WHERE e.status = 'reviewed'
ORDER BY e.id, k;

-- Old analytics: every student, every month from September 2024 to October 2025.
INSERT INTO analytics_oldanalytics (id, user_id, submission_count, created_at)
SELECT (u - 1) * 14 + m + 1, u, (u * 7 + m * 3) % 12, timestamptz '2024-09-01 00:00:00+00' + m * interval '1 month'
FROM generate_series(1, 1200) AS u
CROSS JOIN generate_series(0, 13) AS m
ORDER BY 1;

-- What the new analytics model has recorded since analytics.0005 was deployed.
INSERT INTO analytics_analytics (user_id, metric_type, value, created_at, metadata)
SELECT u, (ARRAY['feedback_viewed', 'login', 'revision_started'])[k], (u + k * 5) % 20,
       timestamptz '2025-09-01 00:00:00+00' + (u % 30) * interval '1 day' + k * interval '1 hour',
       jsonb_build_object('source', (ARRAY['web', 'ios', 'android'])[1 + u % 3])
FROM generate_series(1, 1200) AS u
CROSS JOIN generate_series(1, 3) AS k
ORDER BY u, k;

SELECT setval(pg_get_serial_sequence('auth_user', 'id'), 1200),
       setval(pg_get_serial_sequence('essay_submission_essay', 'id'), 100000),
       setval(pg_get_serial_sequence('analytics_oldanalytics', 'id'), 16800);

ANALYZE;
