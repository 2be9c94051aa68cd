-- Both OCR constraints are validated: PostgreSQL has checked every existing row.
SELECT count(*) = 2 AS ocr_constraints_validated
FROM pg_constraint
WHERE conrelid = 'faktury_faktura'::regclass
  AND contype = 'c'
  AND convalidated
  AND conname IN ('faktury_faktura_ocr_confidence_range', 'faktury_faktura_ocr_processing_time_non_negative');
