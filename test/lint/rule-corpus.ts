import type { LintSqlOptions } from '../../lambda/lint/lint-sql';
import type { RuleId } from '../../lambda/lint/rule-catalog';

/**
 * The rule corpus: for every rule, statements it must flag (with the exact findings: rule id, line
 * and column of the offending node, every rule included) and statements it must leave alone.
 * Expectations are written `rule-id@line:column`, columns counted in characters.
 */
export interface CorpusCase {
  readonly rule: RuleId;
  readonly kind: 'bad' | 'good';
  readonly name: string;
  readonly sql: string;
  readonly expect: readonly string[];
  readonly options?: Omit<LintSqlOptions, 'file'>;
}

const bad = (rule: RuleId, name: string, sql: string, expect: string[], options?: CorpusCase['options']): CorpusCase => ({
  rule,
  kind: 'bad',
  name,
  sql,
  expect,
  ...(options ? { options } : {}),
});
const good = (rule: RuleId, name: string, sql: string, options?: CorpusCase['options']): CorpusCase => ({
  rule,
  kind: 'good',
  name,
  sql,
  expect: [],
  ...(options ? { options } : {}),
});

export const CORPUS: readonly CorpusCase[] = [
  // require-concurrent-index-creation
  bad('require-concurrent-index-creation', 'plain CREATE INDEX (FaktuLove guide)', 'CREATE INDEX faktury_faktura_ocr_confidence_idx ON faktury_faktura (ocr_confidence);', [
    'require-concurrent-index-creation@1:1',
  ]),
  bad('require-concurrent-index-creation', 'unique expression index on a second line', 'SELECT 1;\n  CREATE UNIQUE INDEX IF NOT EXISTS u_email ON app.users (lower(email));', [
    'require-concurrent-index-creation@2:3',
  ]),
  good('require-concurrent-index-creation', 'CONCURRENTLY IF NOT EXISTS (FaktuLove guide, production variant)', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS faktury_faktura_ocr_confidence_idx ON faktury_faktura (ocr_confidence);'),
  good('require-concurrent-index-creation', 'index on a table created in the same migration', 'CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric);\nCREATE INDEX invoices_total_idx ON invoices (total);'),

  // require-concurrent-index-deletion
  bad('require-concurrent-index-deletion', 'plain DROP INDEX', 'DROP INDEX faktury_faktura_user_id_idx;', ['require-concurrent-index-deletion@1:1']),
  bad('require-concurrent-index-deletion', 'two indexes, one schema-qualified', 'DROP INDEX IF EXISTS a_idx, app.b_idx;', [
    'require-concurrent-index-deletion@1:1',
    'require-concurrent-index-deletion@1:1',
  ]),
  good('require-concurrent-index-deletion', 'DROP INDEX CONCURRENTLY IF EXISTS', 'DROP INDEX CONCURRENTLY IF EXISTS a_idx;'),
  good('require-concurrent-index-deletion', 'index created in the same migration', 'CREATE TABLE t2 (a int);\nCREATE INDEX t2_a_idx ON t2 (a);\nDROP INDEX t2_a_idx;'),

  // require-concurrent-reindex
  bad('require-concurrent-reindex', 'REINDEX TABLE', 'REINDEX TABLE orders;', ['require-concurrent-reindex@1:1']),
  bad('require-concurrent-reindex', 'REINDEX (VERBOSE) INDEX', 'REINDEX (VERBOSE) INDEX orders_pkey;', ['require-concurrent-reindex@1:1']),
  good('require-concurrent-reindex', 'REINDEX TABLE CONCURRENTLY', 'REINDEX TABLE CONCURRENTLY orders;'),
  good('require-concurrent-reindex', 'REINDEX (CONCURRENTLY) INDEX', 'REINDEX (CONCURRENTLY) INDEX orders_pkey;'),

  // require-not-valid-constraint
  bad('require-not-valid-constraint', 'named CHECK', 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);', ['require-not-valid-constraint@1:24']),
  bad('require-not-valid-constraint', 'unnamed FOREIGN KEY on a second line', 'ALTER TABLE orders\n  ADD FOREIGN KEY (customer_id) REFERENCES customers (id);', [
    'require-not-valid-constraint@2:7',
  ]),
  bad('require-not-valid-constraint', 'REFERENCES on ADD COLUMN', 'ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);', [
    'require-not-valid-constraint@1:50',
  ]),
  good('require-not-valid-constraint', 'CHECK ... NOT VALID', 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;'),
  good(
    'require-not-valid-constraint',
    'FOREIGN KEY on a table created in the same migration',
    'CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint);\nALTER TABLE lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);',
  ),

  // require-validate-in-later-migration
  bad('require-validate-in-later-migration', 'CHECK added NOT VALID and validated in one transaction', 'ALTER TABLE orders ADD CONSTRAINT c1 CHECK (total > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c1;', [
    'require-validate-in-later-migration@2:20',
  ]),
  bad(
    'require-validate-in-later-migration',
    'FOREIGN KEY added NOT VALID and validated in one transaction',
    'ALTER TABLE orders ADD CONSTRAINT fk1 FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT fk1;',
    ['require-validate-in-later-migration@2:20'],
  ),
  good('require-validate-in-later-migration', 'VALIDATE of a constraint added by an earlier migration', 'ALTER TABLE orders VALIDATE CONSTRAINT c1;'),
  good('require-validate-in-later-migration', 'VALIDATE of another constraint', 'ALTER TABLE orders ADD CONSTRAINT c1 CHECK (total > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c2;'),

  // require-unique-using-index
  bad('require-unique-using-index', 'ADD CONSTRAINT ... UNIQUE', 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);', ['require-unique-using-index@1:23']),
  bad('require-unique-using-index', 'ADD PRIMARY KEY', 'ALTER TABLE users ADD PRIMARY KEY (id);', ['require-unique-using-index@1:23']),
  bad('require-unique-using-index', 'UNIQUE on ADD COLUMN', 'ALTER TABLE users ADD COLUMN handle text UNIQUE;', ['require-unique-using-index@1:42']),
  good('require-unique-using-index', 'UNIQUE USING INDEX', 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;'),
  good(
    'require-unique-using-index',
    'UNIQUE on a table created in the same migration',
    'CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY, name text);\nALTER TABLE tags ADD CONSTRAINT tags_name_key UNIQUE (name);',
  ),

  // require-check-before-set-not-null
  bad('require-check-before-set-not-null', 'SET NOT NULL', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', ['require-check-before-set-not-null@1:19']),
  bad('require-check-before-set-not-null', 'SET NOT NULL as the second sub-command', 'ALTER TABLE users ALTER COLUMN name DROP DEFAULT, ALTER COLUMN email SET NOT NULL;', [
    'require-check-before-set-not-null@1:51',
  ]),
  good(
    'require-check-before-set-not-null',
    'after validating the check constraint',
    'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
  ),
  good('require-check-before-set-not-null', 'on a table created in the same migration', 'CREATE TABLE notes (body text);\nALTER TABLE notes ALTER COLUMN body SET NOT NULL;'),

  // require-default-for-not-null-column
  bad('require-default-for-not-null-column', 'NOT NULL without DEFAULT', 'ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;', ['require-default-for-not-null-column@1:47']),
  bad('require-default-for-not-null-column', 'PRIMARY KEY column added', 'ALTER TABLE users ADD COLUMN code text PRIMARY KEY;', [
    'require-unique-using-index@1:40',
    'require-default-for-not-null-column@1:40',
  ]),
  good('require-default-for-not-null-column', 'NOT NULL with a constant DEFAULT', 'ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT 0;'),
  good('require-default-for-not-null-column', 'nullable column', 'ALTER TABLE users ADD COLUMN nickname text;'),

  // ban-volatile-default
  bad('ban-volatile-default', 'gen_random_uuid() default', 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();', ['ban-volatile-default@1:49']),
  bad('ban-volatile-default', 'bigserial column', 'ALTER TABLE users ADD COLUMN seq bigserial;', ['ban-volatile-default@1:34']),
  bad('ban-volatile-default', 'clock_timestamp() default', 'ALTER TABLE users ADD COLUMN created timestamptz DEFAULT clock_timestamp();', ['ban-volatile-default@1:58']),
  good('ban-volatile-default', 'now() default', 'ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();'),
  good('ban-volatile-default', 'constant and CURRENT_TIMESTAMP defaults', "ALTER TABLE users ADD COLUMN status text DEFAULT 'active', ADD COLUMN seen timestamptz DEFAULT CURRENT_TIMESTAMP;"),

  // ban-table-rewriting-type-change
  bad('ban-table-rewriting-type-change', 'type change with the current type unknown', 'ALTER TABLE users ALTER COLUMN id TYPE bigint;', ['ban-table-rewriting-type-change@1:19']),
  bad('ban-table-rewriting-type-change', 'shortening a varchar', 'ALTER TABLE users ALTER COLUMN name TYPE varchar(50);', ['ban-table-rewriting-type-change@1:19', 'prefer-text-over-varchar@1:42'], {
    columnTypes: new Map([['users.name', 'character varying(100)']]),
  }),
  bad('ban-table-rewriting-type-change', 'USING that computes', 'ALTER TABLE users ALTER COLUMN age TYPE integer USING age::integer + 0;', ['ban-table-rewriting-type-change@1:19'], {
    columnTypes: new Map([['users.age', 'text']]),
  }),
  good('ban-table-rewriting-type-change', 'varchar(n) to text', 'ALTER TABLE users ALTER COLUMN name TYPE text;', { columnTypes: new Map([['users.name', 'character varying(100)']]) }),
  good('ban-table-rewriting-type-change', 'numeric precision raised', 'ALTER TABLE users ALTER COLUMN price TYPE numeric(12,2);', { columnTypes: new Map([['users.price', 'numeric(10,2)']]) }),

  // ban-drop-column
  bad('ban-drop-column', 'DROP COLUMN', 'ALTER TABLE users DROP COLUMN legacy_flag;', ['ban-drop-column@1:19']),
  bad('ban-drop-column', 'DROP COLUMN as the second sub-command', 'ALTER TABLE users ADD COLUMN x text, DROP COLUMN IF EXISTS y CASCADE;', ['ban-drop-column@1:38']),
  good('ban-drop-column', 'acknowledged drop', '-- rds-migrate-lint-ignore ban-drop-column: nothing reads legacy_flag since release 4.2\nALTER TABLE users DROP COLUMN legacy_flag;'),
  good('ban-drop-column', 'column of a table created in the same migration', 'CREATE TABLE scratch (a int, b int);\nALTER TABLE scratch DROP COLUMN b;'),

  // ban-drop-table
  bad('ban-drop-table', 'DROP TABLE', 'DROP TABLE legacy_sessions;', ['ban-drop-table@1:1']),
  bad('ban-drop-table', 'two tables', 'DROP TABLE IF EXISTS a, b CASCADE;', ['ban-drop-table@1:1', 'ban-drop-table@1:1']),
  good('ban-drop-table', 'table created in the same migration', 'CREATE TABLE tmp_import (line text);\nDROP TABLE tmp_import;'),
  good('ban-drop-table', 'acknowledged drop', '-- rds-migrate-lint-ignore ban-drop-table: replaced by sessions_v2 in release 3.0\nDROP TABLE legacy_sessions;'),

  // ban-rename-column
  bad('ban-rename-column', 'RENAME COLUMN', 'ALTER TABLE users RENAME COLUMN name TO full_name;', ['ban-rename-column@1:1']),
  bad('ban-rename-column', 'RENAME without COLUMN', 'ALTER TABLE IF EXISTS app.users RENAME email TO email_address;', ['ban-rename-column@1:1']),
  good('ban-rename-column', 'column of a table created in the same migration', 'CREATE TABLE drafts (titel text);\nALTER TABLE drafts RENAME COLUMN titel TO title;'),
  good('ban-rename-column', 'RENAME CONSTRAINT', 'ALTER TABLE users RENAME CONSTRAINT users_chk TO users_email_chk;'),

  // ban-rename-table
  bad('ban-rename-table', 'RENAME TO', 'ALTER TABLE users RENAME TO accounts;', ['ban-rename-table@1:1']),
  bad('ban-rename-table', 'schema-qualified, second line', 'SELECT 1;\nALTER TABLE app.orders RENAME TO purchases;', ['ban-rename-table@2:1']),
  good('ban-rename-table', 'table created in the same migration', 'CREATE TABLE users_new (id bigint);\nALTER TABLE users_new RENAME TO users_v2;'),
  good('ban-rename-table', 'ALTER INDEX ... RENAME', 'ALTER INDEX users_pkey RENAME TO accounts_pkey;'),

  // ban-truncate-cascade
  bad('ban-truncate-cascade', 'TRUNCATE ... CASCADE', 'TRUNCATE customers CASCADE;', ['ban-truncate-cascade@1:1']),
  bad('ban-truncate-cascade', 'TRUNCATE TABLE several RESTART IDENTITY CASCADE', 'TRUNCATE TABLE a, b RESTART IDENTITY CASCADE;', ['ban-truncate-cascade@1:1']),
  good('ban-truncate-cascade', 'TRUNCATE', 'TRUNCATE customers;'),
  good('ban-truncate-cascade', 'TRUNCATE ... RESTRICT', 'TRUNCATE a, b RESTRICT;'),

  // ban-transaction-control
  bad('ban-transaction-control', 'BEGIN and COMMIT around a statement', 'BEGIN;\nCREATE TABLE t (id bigint);\nCOMMIT;', ['ban-transaction-control@1:1', 'ban-transaction-control@3:1']),
  bad('ban-transaction-control', 'SAVEPOINT', 'SAVEPOINT s1;', ['ban-transaction-control@1:1']),
  good('ban-transaction-control', 'plain statement', 'CREATE TABLE t (id bigint);'),
  good('ban-transaction-control', 'BEGIN inside a DO block body', "DO $$ BEGIN RAISE NOTICE 'x'; END $$;"),

  // require-rerunnable-statements
  bad('require-rerunnable-statements', 'CREATE INDEX CONCURRENTLY without IF NOT EXISTS', 'CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at);', [
    'require-rerunnable-statements@1:1',
  ]),
  bad('require-rerunnable-statements', 'DROP INDEX CONCURRENTLY without IF EXISTS', 'DROP INDEX CONCURRENTLY orders_created_idx;', ['require-rerunnable-statements@1:1']),
  good('require-rerunnable-statements', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_idx ON orders (created_at);'),
  good('require-rerunnable-statements', 'DROP INDEX CONCURRENTLY IF EXISTS', 'DROP INDEX CONCURRENTLY IF EXISTS orders_created_idx;'),

  // prefer-bigint-primary-key
  bad('prefer-bigint-primary-key', 'serial PRIMARY KEY', 'CREATE TABLE t (id serial PRIMARY KEY, name text);', ['prefer-bigint-primary-key@1:20']),
  bad('prefer-bigint-primary-key', 'table-level PRIMARY KEY on an integer', 'CREATE TABLE t (\n  id integer,\n  PRIMARY KEY (id)\n);', ['prefer-bigint-primary-key@3:3']),
  bad('prefer-bigint-primary-key', 'int identity key', 'CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);', ['prefer-bigint-primary-key@1:20']),
  good('prefer-bigint-primary-key', 'bigint identity key', 'CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);'),
  good('prefer-bigint-primary-key', 'composite key of integers', 'CREATE TABLE t (a integer, b integer, PRIMARY KEY (a, b));'),

  // prefer-timestamptz
  bad('prefer-timestamptz', 'timestamp column', 'CREATE TABLE events (at timestamp NOT NULL);', ['prefer-timestamptz@1:25']),
  bad('prefer-timestamptz', 'timestamp(3) without time zone column added', 'ALTER TABLE events ADD COLUMN seen timestamp(3) without time zone;', ['prefer-timestamptz@1:36']),
  good('prefer-timestamptz', 'timestamptz column', 'CREATE TABLE events (at timestamptz NOT NULL);'),
  good('prefer-timestamptz', 'timestamp with time zone and date', 'CREATE TABLE events (at timestamp with time zone, day date);'),

  // ban-char-type
  bad('ban-char-type', 'char(2)', 'CREATE TABLE countries (code char(2));', ['ban-char-type@1:30']),
  bad('ban-char-type', 'character (one character)', 'ALTER TABLE countries ADD COLUMN flag character;', ['ban-char-type@1:39']),
  good('ban-char-type', 'text with a CHECK', 'CREATE TABLE countries (code text CHECK (char_length(code) = 2));'),
  good('ban-char-type', 'the internal "char" type', 'CREATE TABLE t (kind "char");'),

  // prefer-text-over-varchar
  bad('prefer-text-over-varchar', 'varchar(255)', 'CREATE TABLE users (email varchar(255));', ['prefer-text-over-varchar@1:27']),
  bad('prefer-text-over-varchar', 'character varying(500) added', 'ALTER TABLE users ADD COLUMN bio character varying(500);', ['prefer-text-over-varchar@1:34']),
  good('prefer-text-over-varchar', 'text', 'CREATE TABLE users (email text);'),
  good('prefer-text-over-varchar', 'varchar without a limit', 'CREATE TABLE users (email varchar);'),

  // identifier-too-long
  bad('identifier-too-long', '64-character column name', `CREATE TABLE t (${'a'.repeat(64)} text);`, ['identifier-too-long@1:17']),
  bad('identifier-too-long', '32 two-byte characters (64 bytes)', `CREATE TABLE t (x text);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "${'é'.repeat(32)}" ON t (x);`, [
    'identifier-too-long@2:41',
  ]),
  good('identifier-too-long', '63-character name', `CREATE TABLE t (${'a'.repeat(63)} text);`),
  good('identifier-too-long', '31 two-byte characters and a long string constant', `CREATE TABLE t ("${'é'.repeat(31)}" text);\nSELECT '${'x'.repeat(100)}';`),

  // require-enum-value-position
  bad('require-enum-value-position', 'ADD VALUE', "ALTER TYPE order_status ADD VALUE 'refunded';", ['require-enum-value-position@1:1']),
  bad('require-enum-value-position', 'ADD VALUE IF NOT EXISTS', "ALTER TYPE app.mood ADD VALUE IF NOT EXISTS 'meh';", ['require-enum-value-position@1:1']),
  good('require-enum-value-position', 'ADD VALUE ... AFTER', "ALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid';"),
  good('require-enum-value-position', 'RENAME VALUE', "ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled';"),

  // syntax-error
  bad('syntax-error', 'misspelt keyword after a multi-byte literal', "SELECT 'é';\nSELEC 1;", ['syntax-error@2:1']),
  bad('syntax-error', 'trailing comma', 'CREATE TABLE t (a int,);', ['syntax-error@1:23']),
  bad('syntax-error', 'unterminated dollar quote', 'SELECT $$abc', ['syntax-error@1:8']),
  good('syntax-error', 'valid statement', 'SELECT 1;'),
  good('syntax-error', 'only a comment', '-- nothing to do'),

  // invalid-suppression
  bad('invalid-suppression', 'suppression without a reason', '-- rds-migrate-lint-ignore ban-drop-table\nDROP TABLE x;', ['invalid-suppression@1:1', 'ban-drop-table@2:1']),
  bad('invalid-suppression', 'suppression of an unknown rule', '-- rds-migrate-lint-ignore no-such-rule: because\nSELECT 1;', ['invalid-suppression@1:1']),
  good('invalid-suppression', 'suppression with a reason', '-- rds-migrate-lint-ignore ban-drop-table: retired in 2.0\nDROP TABLE x;'),
  good('invalid-suppression', 'comment mentioning the word', '-- we never use rds-migrate-lint-ignore here\nSELECT 1;'),

  // unused-suppression
  bad('unused-suppression', 'suppression before a harmless statement', '-- rds-migrate-lint-ignore ban-drop-table: gone\nSELECT 1;', ['unused-suppression@1:1']),
  bad('unused-suppression', 'suppression after the last statement', 'SELECT 1;\n/* rds-migrate-lint-ignore ban-drop-table: trailing */', ['unused-suppression@2:1']),
  good('unused-suppression', 'suppression that applies', '/* rds-migrate-lint-ignore ban-truncate-cascade: audit tables only */\nTRUNCATE audit_log CASCADE;'),
  good('unused-suppression', 'suppression inside the statement', 'ALTER TABLE users\n  -- rds-migrate-lint-ignore ban-drop-column: unused since 1.4\n  DROP COLUMN legacy;'),
];
