-- Rollback of 0022 (guide: `python manage.py migrate faktury 0021`).
DROP INDEX CONCURRENTLY IF EXISTS faktury_faktura_user_manual_verification_idx;
DROP INDEX CONCURRENTLY IF EXISTS faktury_faktura_user_ocr_confidence_idx;
DROP INDEX CONCURRENTLY IF EXISTS faktury_faktura_ocr_extracted_at_idx;
DROP INDEX CONCURRENTLY IF EXISTS faktury_faktura_manual_verification_idx;
DROP INDEX CONCURRENTLY IF EXISTS faktury_faktura_ocr_confidence_idx;
