-- Guide, "Rollback Plan": `python manage.py migrate App 0007` removes the five fields. Catalog-only,
-- under a brief lock. What they held is lost, and the snapshot taken before 0008 does not have it
-- either: after offline devices have synced, their external_ids (the idempotency keys) go, and a
-- device retrying a sale would then record it twice.
ALTER TABLE "App_sale"
  DROP COLUMN IF EXISTS external_id,
  DROP COLUMN IF EXISTS source_device,
  DROP COLUMN IF EXISTS client_timestamp,
  DROP COLUMN IF EXISTS synced_at,
  DROP COLUMN IF EXISTS updated_at;
