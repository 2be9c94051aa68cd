-- Second step of faktury.0023: validate the OCR constraints over the existing rows (cleaned by 0023).
-- VALIDATE CONSTRAINT takes a SHARE UPDATE EXCLUSIVE lock: invoices stay readable and writable while
-- it scans (PostgreSQL docs: ALTER TABLE, "VALIDATE CONSTRAINT").
ALTER TABLE faktury_faktura VALIDATE CONSTRAINT faktury_faktura_ocr_confidence_range;

ALTER TABLE faktury_faktura VALIDATE CONSTRAINT faktury_faktura_ocr_processing_time_non_negative;
