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

-- Added NOT VALID (no full-table scan under the ACCESS EXCLUSIVE lock), then validated, which
-- takes only a SHARE UPDATE EXCLUSIVE lock (docs: ALTER TABLE, "VALIDATE CONSTRAINT").
ALTER TABLE faktury_faktura
  ADD CONSTRAINT faktury_faktura_ocr_confidence_range
  CHECK (ocr_confidence IS NULL OR (ocr_confidence >= 0 AND ocr_confidence <= 100)) NOT VALID;
ALTER TABLE faktury_faktura VALIDATE CONSTRAINT faktury_faktura_ocr_confidence_range;

ALTER TABLE faktury_faktura
  ADD CONSTRAINT faktury_faktura_ocr_processing_time_non_negative
  CHECK (ocr_processing_time IS NULL OR ocr_processing_time >= 0) NOT VALID;
ALTER TABLE faktury_faktura VALIDATE CONSTRAINT faktury_faktura_ocr_processing_time_non_negative;
