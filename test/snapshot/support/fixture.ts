/**
 * A database with the shapes a snapshot must handle: many column types (NULLs, extreme numerics,
 * special floats and timestamps, unicode, quotes, backslashes, json with line breaks), a generated
 * column, a few thousand rows, rows far larger than a Data API response, a table without any key,
 * composite and unique-index keys, partitioned tables with and without a primary key, inheritance, an
 * identifier that needs key encoding, and schemas that must not be exported by default.
 */
export const FIXTURE_SQL = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');

CREATE TABLE everything (
  id bigint PRIMARY KEY,
  amount numeric(30, 10),
  big numeric,
  ratio double precision,
  small real,
  tiny smallint,
  flag boolean,
  label text,
  code varchar(20),
  fixed char(5),
  at_local timestamp,
  at_zone timestamptz,
  day date,
  clock time,
  span interval,
  blob bytea,
  doc json,
  docb jsonb,
  ints integer[],
  words text[],
  feeling mood,
  uid uuid,
  addr inet,
  net cidr,
  spot point,
  range int4range,
  twice bigint GENERATED ALWAYS AS (id * 2) STORED
);

INSERT INTO everything (id, amount, big, ratio, small, tiny, flag, label, code, fixed, at_local, at_zone, day, clock, span,
                        blob, doc, docb, ints, words, feeling, uid, addr, net, spot, range)
SELECT g,
       CASE WHEN g % 17 = 0 THEN NULL ELSE (g * 1234567.0123456789)::numeric(30, 10) END,
       CASE g % 5 WHEN 0 THEN 'NaN'::numeric WHEN 1 THEN ('123456789012345678901234567890.' || repeat(g::text, 3))::numeric ELSE g::numeric / 7 END,
       CASE g % 9 WHEN 0 THEN 'Infinity'::float8 WHEN 1 THEN '-Infinity'::float8 WHEN 2 THEN 'NaN'::float8 ELSE g / 3.0::float8 + 0.1 END,
       (g / 7.0)::real,
       (g % 32767)::smallint,
       CASE g % 3 WHEN 0 THEN true WHEN 1 THEN false END,
       CASE g % 4
         WHEN 0 THEN 'plain ' || g
         WHEN 1 THEN E'quotes " and \\\\ backslash\\nnew line\\ttab ' || g
         WHEN 2 THEN 'ünïcødé ✓ 日本語 🚀 ' || g
         ELSE NULL END,
       'code-' || g,
       left(g::text, 5),
       CASE WHEN g % 50 = 0 THEN 'infinity'::timestamp ELSE '2024-02-29 13:14:15.123456'::timestamp + g * interval '1 hour' END,
       CASE WHEN g % 51 = 0 THEN '-infinity'::timestamptz ELSE '2024-02-29 13:14:15.654321+05:30'::timestamptz + g * interval '1 minute' END,
       DATE '2000-01-01' + g,
       TIME '00:00:01.5' + g * interval '1 second',
       make_interval(years => g % 3, days => g % 40, secs => g / 1000.0),
       CASE WHEN g % 6 = 0 THEN NULL ELSE decode(md5(g::text) || '00ff', 'hex') END,
       CASE WHEN g % 10 = 0 THEN E'{\\n  "spaced" : [1, 2],\\r\\n  "g": ' || g || E'\\n}' ELSE json_build_object('g', g, 's', 'x"y')::text END::json,
       jsonb_build_object('g', g, 'nested', jsonb_build_object('deep', ARRAY[g, g + 1]), 'big', 12345678901234567890.123456789),
       ARRAY[g, NULL, -g],
       ARRAY['a,b', 'quote"', NULL, 'back\\slash', ''],
       (ARRAY['sad', 'ok', 'happy']::mood[])[1 + g % 3],
       md5(g::text)::uuid,
       ('10.' || (g % 256) || '.0.' || (g % 200) || '/' || (16 + g % 17))::inet,
       '192.168.0.0/16'::cidr,
       point(g, -g / 3.0),
       int4range(g, g + 10)
  FROM generate_series(1, 3000) AS g;

CREATE TABLE big_text (id serial PRIMARY KEY, body text NOT NULL);
INSERT INTO big_text (body)
SELECT repeat(md5(g::text) || ' "ä" \\ ', 5000 * g) FROM generate_series(1, 4) AS g;  -- about 0.2 to 0.8 MB each
INSERT INTO big_text (body) SELECT 'small ' || g FROM generate_series(5, 40) AS g;

CREATE TABLE no_key (name text, qty int);
INSERT INTO no_key SELECT 'item ' || (g % 100), g % 7 FROM generate_series(1, 1500) AS g;
INSERT INTO no_key SELECT 'item 1', 1 FROM generate_series(1, 5);  -- exact duplicate rows
INSERT INTO no_key VALUES (NULL, NULL);

CREATE TABLE composite_key (region text, seq int, note text, PRIMARY KEY (region, seq));
INSERT INTO composite_key SELECT (ARRAY['eu', 'us', 'ap', 'Éire'])[1 + g % 4], g / 4, 'n' || g FROM generate_series(0, 799) AS g;

CREATE TABLE unique_key (email text NOT NULL UNIQUE, maybe text UNIQUE, visits int);
INSERT INTO unique_key SELECT 'user' || g || '@example.com', CASE WHEN g % 2 = 0 THEN 'm' || g END, g FROM generate_series(1, 500) AS g;

CREATE TABLE events (id int, at date, kind text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, DATE '2023-06-01' + (g % 400), 'k' || (g % 5) FROM generate_series(1, 900) AS g;

CREATE TABLE readings (sensor int, value float8) PARTITION BY LIST (sensor);
CREATE TABLE readings_a PARTITION OF readings FOR VALUES IN (1, 2);
CREATE TABLE readings_b PARTITION OF readings FOR VALUES IN (3, 4);
INSERT INTO readings SELECT 1 + g % 4, g * 0.25 FROM generate_series(1, 700) AS g;

CREATE TABLE animal (name text PRIMARY KEY);
CREATE TABLE dog (good boolean) INHERITS (animal);
INSERT INTO animal VALUES ('generic');
INSERT INTO dog VALUES ('rex', true), ('fido', false);

CREATE TABLE "Odd.Name/../x" ("Mixed Case" int PRIMARY KEY, "select" text);
INSERT INTO "Odd.Name/../x" SELECT g, 'v' || g FROM generate_series(1, 30) AS g;

CREATE TABLE identity_only (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
INSERT INTO identity_only DEFAULT VALUES;

-- Keys whose text must read back exactly for keyset paging: fractional timestamps, numerics, floats, uuids.
CREATE TABLE odd_keys (at timestamptz, amount numeric, f float8, u uuid, note text, PRIMARY KEY (at, amount, f, u));
INSERT INTO odd_keys
SELECT TIMESTAMPTZ '2024-03-31 01:59:59.999999+01' + (g % 7) * interval '0.000001 second',
       (g % 5) / 3.0, (g % 3) * 0.1 + 0.2, md5(g::text)::uuid, repeat('k', g % 50)
  FROM generate_series(1, 600) AS g;

CREATE TABLE no_columns ();
INSERT INTO no_columns DEFAULT VALUES;
INSERT INTO no_columns DEFAULT VALUES;

CREATE TABLE empty_table (id int PRIMARY KEY);

CREATE SCHEMA other;
CREATE TABLE other.secret (id int PRIMARY KEY, v text);
INSERT INTO other.secret VALUES (1, 'not exported by default');

CREATE SCHEMA rds_migrate;
CREATE TABLE rds_migrate.schema_history (version text PRIMARY KEY);
INSERT INTO rds_migrate.schema_history VALUES ('0001');

CREATE VIEW everything_view AS SELECT id FROM everything;
CREATE MATERIALIZED VIEW everything_mv AS SELECT id FROM everything;
`;

/** The tables a snapshot of `public` must hold, as `schema.table`, in export order (schema, then name). */
export const PUBLIC_TABLES = [
  'public.Odd.Name/../x',
  'public.animal',
  'public.big_text',
  'public.composite_key',
  'public.dog',
  'public.empty_table',
  'public.events',
  'public.everything',
  'public.identity_only',
  'public.no_columns',
  'public.no_key',
  'public.odd_keys',
  'public.readings',
  'public.unique_key',
];
