/**
 * Renders a plan as an annotated SQL script for people to read (the CLI's `plan` output, a change
 * review): every statement in order, transactions as BEGIN/COMMIT, comments naming each migration, the
 * file and line of each script statement, the parameters, and what is only known at run time. It is a
 * description, not a script for psql: guards and runtime parameters need the engine.
 */
import type { SqlParams } from '../../driver/driver';
import type { MigrationPlan, PlannedMigration, PlannedStatement } from './types';

function literal(value: SqlParams[string]): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  return `${literal(value.value)}::${value.typeHint}`;
}

function statementLines(statement: PlannedStatement): string[] {
  const lines: string[] = [];
  if (statement.source) lines.push(`-- ${statement.source.file} line ${statement.source.line} (statement ${statement.source.statement})`);
  if (statement.role === 'guard' && statement.note) lines.push(`-- check: ${statement.note}`);
  lines.push(`${statement.sql};`);
  const params = Object.entries(statement.params ?? {}).map(([name, value]) => `:${name} = ${literal(value)}`);
  const runtime = (statement.runtimeParams ?? []).map((name) => `:${name}`);
  if (params.length > 0) lines.push(`--   with ${params.join(', ')}`);
  if (runtime.length > 0) lines.push(`--   and at run time ${runtime.join(', ')}`);
  return lines;
}

function migrationLines(migration: PlannedMigration): string[] {
  const how = migration.transactional ? 'in one transaction' : 'statement by statement, outside one transaction';
  const resume = migration.resumeAfter > 0 ? `, resuming after statement ${migration.resumeAfter}` : '';
  const lines = ['', `-- ${migration.direction === 'up' ? 'apply' : 'revert'} ${migration.version} ${migration.name}: ${migration.file}, ${how}${resume}`];
  for (const step of migration.steps) {
    if (step.transaction) lines.push('BEGIN;');
    for (const statement of step.statements) lines.push(...statementLines(statement));
    if (step.transaction) lines.push('COMMIT;');
  }
  return lines;
}

/** The plan as annotated SQL text, ending with a newline. */
export function formatPlan(plan: MigrationPlan): string {
  const command = plan.direction === 'up' ? 'migrate' : 'rollback';
  const header =
    plan.migrations.length === 0
      ? `-- ${command}: nothing to do (current version ${plan.current ?? 'none'})`
      : `-- ${command} from ${plan.current ?? 'none'} to ${plan.target ?? 'none'}: ${plan.migrations.length} migration(s)`;
  return [header, ...plan.migrations.flatMap(migrationLines)].join('\n') + '\n';
}
