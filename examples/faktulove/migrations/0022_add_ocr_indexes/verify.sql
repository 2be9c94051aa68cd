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
