-- faktury.0021_add_ocr_fields_to_faktura: the OCR fields of the Faktura model, as Django's migration
-- added them. Production already has this change (guide, "Check Current Migration State": 0021 "as
-- applied"), so rds-migrate never runs this file there: the first event is
-- {"action":"baseline","version":"0021"}, which records 0021 as baselined after its verify script has
-- proved that the columns are there. On a new, empty database migrate runs it like any other version.
--
-- One ALTER TABLE: nullable columns without a default store nothing in existing rows, and the constant
-- default of manual_verification_required is kept in the catalog (PostgreSQL 11+, no table rewrite).
-- The default stays in the database (Django's AddField would drop it after filling the rows): servers
-- still running the previous release insert invoices without the column.
ALTER TABLE faktury_faktura
  ADD COLUMN source_document_id integer NULL,
  ADD COLUMN ocr_confidence double precision NULL,
  ADD COLUMN ocr_processing_time double precision NULL,
  ADD COLUMN manual_verification_required boolean NOT NULL DEFAULT false,
  ADD COLUMN ocr_extracted_at timestamptz NULL;
--
-- No down.sql: the guide's rollback stops at 0021 (`migrate faktury 0021`), and reverting it would drop
-- the OCR results of every invoice. A rollback below 0021 is refused up front, naming this folder.
