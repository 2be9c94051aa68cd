/**
 * The commit-time fence: a deferred constraint trigger on the schema history and the backfill
 * progress tables that, when the transaction writing them commits, checks that the lock lease that
 * wrote them is still ours and unexpired by the database clock; otherwise it raises SQLSTATE
 * {@link LEASE_LOST_SQLSTATE} and PostgreSQL rolls the whole transaction back (docs: CREATE TRIGGER,
 * "constraint trigger", fired at the end of the transaction when INITIALLY DEFERRED).
 *
 * The engine's transactions write their schema history row first (together with the transaction's
 * settings, in one call: `run/timeouts.ts`) and run the migration's statements after it: the
 * statement-level fence (`history/writes.ts`) checks the lease when the row is written, this trigger
 * again at the moment of commit, so a runner whose lease expired while its migration ran cannot
 * commit it.
 *
 * The trigger also measures the step: the engine sets `rds_migrate.step_started` (the database clock
 * when its first statement ran) and writes `execution_ms` as the time spent before this transaction;
 * at commit the trigger adds the transaction's own duration to that one row.
 *
 * Rows written without `rds_migrate.lease_token` set (a DBA's manual fix) are not checked.
 */
import type { HistoryTables } from './tables';

/** SQLSTATE raised by the trigger when the lease was lost (a class of our own, "RM"). */
export const LEASE_LOST_SQLSTATE = 'RM001';

/** Transaction-local settings (`set_config(name, value, true)`) the trigger reads. */
export const SETTING_LEASE_TOKEN = 'rds_migrate.lease_token';
export const SETTING_STEP_STARTED = 'rds_migrate.step_started';

/** Marker comment on the history table: present once {@link commitCheckSql} and the type upgrade ran. */
export const HISTORY_TABLE_MARKER = 'rds-migrate schema history, bookkeeping version 2';

/** The statements installing the trigger function and its triggers (idempotent), in order. */
export function commitCheckSql(tables: HistoryTables): string[] {
  const fn = `CREATE OR REPLACE FUNCTION ${tables.commitCheck}() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $check$
DECLARE
  lease_token text := current_setting('${SETTING_LEASE_TOKEN}', true);
  started text := current_setting('${SETTING_STEP_STARTED}', true);
BEGIN
  IF lease_token IS NULL OR lease_token = '' THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM ${tables.lock} WHERE id = 1 AND token = lease_token AND expires_at > clock_timestamp()) THEN
    RAISE EXCEPTION 'the migration lock lease was lost before this transaction could commit: nothing of it was committed'
      USING ERRCODE = '${LEASE_LOST_SQLSTATE}';
  END IF;
  IF TG_TABLE_NAME = 'schema_history' AND TG_OP <> 'DELETE' AND started IS NOT NULL AND started <> '' THEN
    -- Once per transaction: the UPDATE below fires this trigger again.
    PERFORM set_config('${SETTING_STEP_STARTED}', '', true);
    UPDATE ${tables.history}
      SET execution_ms = execution_ms + greatest(0, round(extract(epoch FROM clock_timestamp() - started::timestamptz) * 1000))::integer
      WHERE installed_rank = NEW.installed_rank;
  END IF;
  RETURN NULL;
END
$check$`;
  const trigger = (table: string, name: string): string[] => [
    `DROP TRIGGER IF EXISTS ${name} ON ${table}`,
    `CREATE CONSTRAINT TRIGGER ${name} AFTER INSERT OR UPDATE OR DELETE ON ${table}
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${tables.commitCheck}()`,
  ];
  return [
    fn,
    ...trigger(tables.history, 'schema_history_lease_at_commit'),
    ...trigger(tables.progress, 'backfill_progress_lease_at_commit'),
    `COMMENT ON TABLE ${tables.history} IS '${HISTORY_TABLE_MARKER}'`,
  ];
}
