-- faktury.0022_add_ocr_indexes: the OCR query indexes from the deployment guide.
-- Built CONCURRENTLY, as the guide's troubleshooting recommends for production, so invoices keep
-- being written while the indexes build. PostgreSQL cannot run CREATE INDEX CONCURRENTLY in a
-- transaction block (docs: CREATE INDEX, "Building Indexes Concurrently"), so rds-migrate runs this
-- migration statement by statement outside a transaction; IF NOT EXISTS makes each one re-runnable.

-- Query 1 of the guide's monitoring: low-confidence invoices.
CREATE INDEX CONCURRENTLY IF NOT EXISTS faktury_faktura_ocr_confidence_idx
  ON faktury_faktura (ocr_confidence);

-- Invoices waiting for manual verification.
CREATE INDEX CONCURRENTLY IF NOT EXISTS faktury_faktura_manual_verification_idx
  ON faktury_faktura (manual_verification_required);

-- Query 3: recent OCR processing, newest first.
CREATE INDEX CONCURRENTLY IF NOT EXISTS faktury_faktura_ocr_extracted_at_idx
  ON faktury_faktura (ocr_extracted_at DESC);

-- The user-specific compound indexes (Query 2: a user's verification queue).
CREATE INDEX CONCURRENTLY IF NOT EXISTS faktury_faktura_user_ocr_confidence_idx
  ON faktury_faktura (user_id, ocr_confidence);

CREATE INDEX CONCURRENTLY IF NOT EXISTS faktury_faktura_user_manual_verification_idx
  ON faktury_faktura (user_id, manual_verification_required);
