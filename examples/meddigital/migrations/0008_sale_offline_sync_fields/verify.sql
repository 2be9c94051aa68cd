-- Guide, "Post-Migration Validation" (`\d App_sale`; the table is "App_sale": unquoted, psql folds it
-- to app_sale and finds nothing) and Step 5's field check. The five columns, as the model defines
-- them: type, nullability, default.
SELECT count(*) = 5 AS five_sync_columns_as_the_model_defines
FROM (VALUES
  ('external_id', 'uuid', false, NULL),
  ('source_device', 'character varying(128)', true, '''web''::character varying'),
  ('client_timestamp', 'timestamp with time zone', false, NULL),
  ('synced_at', 'timestamp with time zone', false, NULL),
  ('updated_at', 'timestamp with time zone', true, 'now()')
) AS expected (name, type, not_null, default_expression)
JOIN pg_attribute a ON a.attrelid = 'public."App_sale"'::regclass AND a.attname = expected.name AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE format_type(a.atttypid, a.atttypmod) = expected.type
  AND a.attnotnull = expected.not_null
  AND pg_get_expr(d.adbin, d.adrelid) IS NOT DISTINCT FROM expected.default_expression;
