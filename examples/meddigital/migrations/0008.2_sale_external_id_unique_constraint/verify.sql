-- Guide, troubleshooting "unique constraint already exists" and Post-Migration Validation
-- ("external_id (UUID, unique, null)"): the unique constraint is there, on external_id, backed by the
-- concurrently built index...
SELECT con.contype = 'u'
       AND con.convalidated
       AND con.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = con.conrelid AND attname = 'external_id')]
       AND con.conindid = 'public."App_sale_external_id_key"'::regclass
  AS external_id_unique_constraint
FROM pg_constraint con
WHERE con.conrelid = 'public."App_sale"'::regclass AND con.conname = 'App_sale_external_id_key';

-- ...and it holds: no two sales share an external_id.
SELECT count(external_id) = count(DISTINCT external_id) AS external_ids_unique FROM "App_sale";
