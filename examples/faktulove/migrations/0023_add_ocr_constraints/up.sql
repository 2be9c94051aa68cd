-- faktury.0023_add_ocr_constraints: data integrity constraints on the OCR fields.
-- Runs in one transaction: the clean-up and the constraints land together or not at all.

-- Django creates foreign keys DEFERRABLE INITIALLY DEFERRED: the UPDATEs below would queue deferred
-- trigger events, and ALTER TABLE refuses to run on a table with pending trigger events (SQLSTATE
-- 55006). Checking them immediately, for this transaction only, avoids that.
SET CONSTRAINTS ALL IMMEDIATE;

-- Guide, troubleshooting "Constraint violation on existing data": clean up invalid values first.
-- (The snapshot taken before this migration keeps the original values.)
UPDATE faktury_faktura SET ocr_confidence = NULL WHERE ocr_confidence < 0 OR ocr_confidence > 100;
UPDATE faktury_faktura SET ocr_processing_time = NULL WHERE ocr_processing_time < 0;

-- Added NOT VALID: ADD CONSTRAINT takes an ACCESS EXCLUSIVE lock, but without a full-table scan it is
-- held only for an instant. From the commit on, every new or updated row is checked. The scan of the
-- existing rows (already cleaned above) happens in 0024, in its own transaction, under a SHARE UPDATE
-- EXCLUSIVE lock that lets reads and writes go on (PostgreSQL docs: ALTER TABLE, "VALIDATE CONSTRAINT").
-- Validating here would keep this transaction's ACCESS EXCLUSIVE lock for the whole scan.
ALTER TABLE faktury_faktura
  ADD CONSTRAINT faktury_faktura_ocr_confidence_range
  CHECK (ocr_confidence IS NULL OR (ocr_confidence >= 0 AND ocr_confidence <= 100)) NOT VALID;

ALTER TABLE faktury_faktura
  ADD CONSTRAINT faktury_faktura_ocr_processing_time_non_negative
  CHECK (ocr_processing_time IS NULL OR ocr_processing_time >= 0) NOT VALID;
