-- Rollback of 0023 (guide: `python manage.py migrate faktury 0022`). The values the clean-up set to
-- NULL are not brought back by this script: restore them from the snapshot taken before 0023.
ALTER TABLE faktury_faktura DROP CONSTRAINT IF EXISTS faktury_faktura_ocr_processing_time_non_negative;
ALTER TABLE faktury_faktura DROP CONSTRAINT IF EXISTS faktury_faktura_ocr_confidence_range;
