-- The two columns as the Django model defines them (guide: the AddField operations).
SELECT format_type(atttypid, atttypmod) = 'jsonb' AND NOT attnotnull AS error_details_nullable_jsonb
FROM pg_attribute
WHERE attrelid = 'bulk_bulkoperation'::regclass AND attname = 'error_details' AND NOT attisdropped;

SELECT format_type(a.atttypid, a.atttypmod) = 'integer' AND a.attnotnull AND pg_get_expr(d.adbin, d.adrelid) = '0'
  AS retry_count_integer_default_0
FROM pg_attribute a
JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = 'bulk_bulkoperation'::regclass AND a.attname = 'retry_count' AND NOT a.attisdropped;
