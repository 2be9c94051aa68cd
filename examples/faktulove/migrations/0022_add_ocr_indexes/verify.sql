-- Guide, "Verify indexes were created": `\d+ faktury_faktura` should show the new indexes.
-- All five exist on faktury_faktura and are valid (a failed concurrent build leaves an INVALID index).
SELECT count(*) = 5 AS all_ocr_indexes_valid
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'faktury_faktura'::regclass
  AND i.indisvalid
  AND c.relname IN (
    'faktury_faktura_ocr_confidence_idx',
    'faktury_faktura_manual_verification_idx',
    'faktury_faktura_ocr_extracted_at_idx',
    'faktury_faktura_user_ocr_confidence_idx',
    'faktury_faktura_user_manual_verification_idx'
  );

-- The compound indexes lead with user_id, so "user's low confidence invoices" can use them.
SELECT pg_get_indexdef('faktury_faktura_user_ocr_confidence_idx'::regclass) LIKE '%(user_id, ocr_confidence)%'
  AS compound_index_leads_with_user_id;

-- Guide, "Monitoring": the three OCR queries it tells the team to watch each read the index 0022 adds
-- for it. Each check asks the planner (EXPLAIN (FORMAT JSON), nothing executed) and raises when the
-- plan names another index or none.
--
-- enable_seqscan is switched off first: at a few thousand invoices a sequential scan can be the cheaper
-- plan, and the planner's pick would then depend on the table's size and statistics. With it off, the
-- check proves that the index can answer the query (its columns, order and operator class match),
-- which is the guide's point ("should use index"). SET LOCAL lasts until the verify transaction ends,
-- and the verify transaction is always rolled back.

-- Query 1: low-confidence invoices.
DO $$
DECLARE
  plan jsonb;
BEGIN
  SET LOCAL enable_seqscan = off;
  EXECUTE 'EXPLAIN (FORMAT JSON) SELECT * FROM faktury_faktura WHERE ocr_confidence < 80.0' INTO plan;
  IF NOT jsonb_path_exists(plan, '$.** ? (@."Index Name" == "faktury_faktura_ocr_confidence_idx")') THEN
    RAISE EXCEPTION 'guide monitoring query 1 (low-confidence invoices) does not use faktury_faktura_ocr_confidence_idx; the plan reads %, scans with %',
      jsonb_path_query_array(plan, 'strict $.** ? (exists (@."Index Name"))."Index Name"'),
      jsonb_path_query_array(plan, 'strict $.** ? (exists (@."Node Type"))."Node Type"');
  END IF;
END
$$;

-- Query 2: a user's verification queue.
DO $$
DECLARE
  plan jsonb;
BEGIN
  SET LOCAL enable_seqscan = off;
  EXECUTE 'EXPLAIN (FORMAT JSON) SELECT * FROM faktury_faktura WHERE user_id = 1 AND manual_verification_required = true' INTO plan;
  IF NOT jsonb_path_exists(plan, '$.** ? (@."Index Name" == "faktury_faktura_user_manual_verification_idx")') THEN
    RAISE EXCEPTION 'guide monitoring query 2 (a user''s verification queue) does not use faktury_faktura_user_manual_verification_idx; the plan reads %, scans with %',
      jsonb_path_query_array(plan, 'strict $.** ? (exists (@."Index Name"))."Index Name"'),
      jsonb_path_query_array(plan, 'strict $.** ? (exists (@."Node Type"))."Node Type"');
  END IF;
END
$$;

-- Query 3: recent OCR processing, newest first.
DO $$
DECLARE
  plan jsonb;
BEGIN
  SET LOCAL enable_seqscan = off;
  EXECUTE 'EXPLAIN (FORMAT JSON) SELECT * FROM faktury_faktura WHERE ocr_extracted_at > NOW() - INTERVAL ''7 days'' ORDER BY ocr_extracted_at DESC' INTO plan;
  IF NOT jsonb_path_exists(plan, '$.** ? (@."Index Name" == "faktury_faktura_ocr_extracted_at_idx")') THEN
    RAISE EXCEPTION 'guide monitoring query 3 (recent OCR processing) does not use faktury_faktura_ocr_extracted_at_idx; the plan reads %, scans with %',
      jsonb_path_query_array(plan, 'strict $.** ? (exists (@."Index Name"))."Index Name"'),
      jsonb_path_query_array(plan, 'strict $.** ? (exists (@."Node Type"))."Node Type"');
  END IF;
END
$$;
