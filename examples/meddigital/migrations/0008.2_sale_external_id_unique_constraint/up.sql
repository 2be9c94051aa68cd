-- App.0008's `unique=True` on external_id, second half: the unique constraint Django's model declares
-- (and the name PostgreSQL gives `ADD COLUMN ... UNIQUE`), made from the index 0008.1 built. USING
-- INDEX attaches the existing index: no scan, no build, a brief lock (docs: ALTER TABLE, ADD
-- table_constraint_using_index).
ALTER TABLE "App_sale" ADD CONSTRAINT "App_sale_external_id_key" UNIQUE USING INDEX "App_sale_external_id_key";
