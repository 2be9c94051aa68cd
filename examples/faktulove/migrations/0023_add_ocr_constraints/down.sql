-- Rollback of 0023 (guide: `python manage.py migrate faktury 0022`): the constraints are dropped. The
-- values the clean-up set to NULL are not brought back by this script, and cannot be: it does not know
-- them. They are in the snapshot taken before the migration (the guide's "Restore from backup if
-- needed"): after rolling back to 0021, restore it with
-- {"action":"restore","snapshotId":"<id>","confirm":"<id>"}.
ALTER TABLE faktury_faktura DROP CONSTRAINT IF EXISTS faktury_faktura_ocr_processing_time_non_negative;
ALTER TABLE faktury_faktura DROP CONSTRAINT IF EXISTS faktury_faktura_ocr_confidence_range;
