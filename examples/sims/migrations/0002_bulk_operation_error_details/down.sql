-- The Bulk Operations Module's rollback, as the guide lists it. The values written to the two columns
-- since the deployment are lost: the snapshot taken before 0002 does not have them either.
ALTER TABLE bulk_bulkoperation DROP COLUMN IF EXISTS error_details;
ALTER TABLE bulk_bulkoperation DROP COLUMN IF EXISTS retry_count;
