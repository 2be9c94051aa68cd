-- Guide, "Testing Migrations" (test_feedback_type_migration): FeedbackType.objects.count() == 4 and
-- FeedbackType.objects.filter(name='grammar').exists().
SELECT count(*) = 4 AS four_feedback_types FROM core_feedbacktype;

SELECT EXISTS (SELECT 1 FROM core_feedbacktype WHERE name = 'grammar') AS grammar_feedback_type_exists;

-- The seeded weights, as the guide lists them, sum to 1.
SELECT sum(weight) FILTER (WHERE name IN ('grammar', 'structure', 'content', 'style')) BETWEEN 0.999999 AND 1.000001
  AS feedback_type_weights_sum_to_one
FROM core_feedbacktype;
