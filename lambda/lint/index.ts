/**
 * The migration safety linter: catches the migrations that lock production before they are
 * deployed, on PostgreSQL's own parse tree (libpg-query), with context squawk lacks (tables the
 * migration creates itself, table sizes from the database). Runs at synth time (the construct), from
 * the CLI (`rds-migrate lint`) and in tests; the Lambda function does not import it.
 *
 *     await loadLinter();
 *     const findings = lintSql(sql, { file: '0022_add_ocr_indexes/up.sql' });
 *     const report = await lintMigrationsFolder('migrations', { driver, baseline: '0021' });
 *     process.stdout.write(formatReport(report));
 *     process.exitCode = report.errorCount > 0 ? 1 : 0;
 */
export { loadLinter } from './sql-parser';
export { lintSql, type LintSqlOptions } from './lint-sql';
export { lintMigrations, lintMigrationsFolder, scriptText, type LintMigrationsOptions, type LintSource } from './lint-migrations';
export { formatFindings, formatReport } from './format-findings';
export { parseLintConfig, resolveLintConfig, DEFAULT_SMALL_TABLE_ROWS, LintConfigError, type LintConfig } from './lint-config';
export { RULES, RULE_IDS, isRuleId, type RuleId, type RuleInfo, type Severity } from './rule-catalog';
export { SUPPRESSION_MARKER } from './suppressions';
export type { LintFinding, LintReport, SizeExemption, TableSizeAssumption } from './lint-finding';
