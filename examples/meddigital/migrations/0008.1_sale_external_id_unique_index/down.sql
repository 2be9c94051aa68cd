-- Without blocking the table. (After 0008.2's rollback the constraint took the index with it.)
DROP INDEX CONCURRENTLY IF EXISTS "App_sale_external_id_key";
