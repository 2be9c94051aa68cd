-- Guide, "Check constraints" (its query reads pg_constraint.consrc, removed in PostgreSQL 12;
-- pg_get_constraintdef is the supported way). Both constraints exist (0024 validates them).
SELECT count(*) = 2 AS ocr_constraints_exist
FROM pg_constraint
WHERE conrelid = 'faktury_faktura'::regclass
  AND contype = 'c'
  AND conname IN ('faktury_faktura_ocr_confidence_range', 'faktury_faktura_ocr_processing_time_non_negative');

-- Guide, "Test Constraint Validation": no invalid value is left in the table.
SELECT NOT EXISTS (
  SELECT 1 FROM faktury_faktura
  WHERE ocr_confidence < 0 OR ocr_confidence > 100 OR ocr_processing_time < 0
) AS no_invalid_ocr_values;
