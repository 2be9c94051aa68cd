-- Removes the constraint, and with it its index.
ALTER TABLE "App_sale" DROP CONSTRAINT IF EXISTS "App_sale_external_id_key";
