-- App.0008's `unique=True` on external_id, first half: the unique index, built CONCURRENTLY so sales
-- keep being recorded while it reads the table (docs: CREATE INDEX, "Building Indexes Concurrently").
-- PostgreSQL refuses CONCURRENTLY in a transaction block, so this migration runs on its own; if the
-- build fails (a duplicate external_id written meanwhile), the engine drops the INVALID index it leaves
-- before the next run tries again. NULLs are distinct: the existing sales, all without an
-- external_id, do not collide (guide troubleshooting: "Since external_id has null=True ... this
-- shouldn't happen").
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "App_sale_external_id_key" ON "App_sale" (external_id);
