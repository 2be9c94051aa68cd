import type { RuleId, Severity } from './rule-catalog';

/** One problem found in a migration file. */
export interface LintFinding {
  readonly ruleId: RuleId;
  /** The configured severity; findings of rules set to `off` are not reported. */
  readonly severity: Severity;
  /** The file as the caller named it (e.g. `0022_add_ocr_indexes/up.sql`). */
  readonly file: string;
  /** 1-based line of the offending node. */
  readonly line: number;
  /** 1-based column of the offending node, in characters (not bytes). */
  readonly column: number;
  /** What is wrong and why it matters in production, naming the table/column/index concerned. */
  readonly message: string;
  /** The safe rewrite: SQL to use instead, possibly over several migrations, one step per line. */
  readonly suggestion: string;
  /**
   * The statement at fault as written (for suppression findings, the comment), at most
   * {@link MAX_STATEMENT_CHARS} characters, longer ones cut with `…`.
   */
  readonly statement: string;
}

/** Longest `statement` kept in a finding, in characters. */
export const MAX_STATEMENT_CHARS = 500;

/** A table size the linter used, and where it came from. */
export interface TableSizeAssumption {
  /** The relation as the migration names it (`faktury_faktura`, `billing.invoice`, an index name). */
  readonly table: string;
  /** Estimated rows, or null when unknown (not found, never analyzed). */
  readonly rows: number | null;
  /** `pg_class.reltuples` (read through the driver) or `tableSizes` (the caller's option). */
  readonly source: 'pg_class.reltuples' | 'tableSizes';
}

/** A finding that was not reported because its table is small (see `LintConfig.smallTableRows`). */
export interface SizeExemption {
  readonly ruleId: RuleId;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly table: string;
  /** The table's estimated rows. */
  readonly rows: number;
}

/** The result of linting a set of migrations. Serialised as is for `--json`. */
export interface LintReport {
  /** Findings in file order, then line and column. */
  readonly findings: LintFinding[];
  /** Findings with severity `error`: a non-zero count should fail the build. */
  readonly errorCount: number;
  readonly warningCount: number;
  /** The files linted and reported on, in order (baseline files excluded). */
  readonly files: string[];
  /** The small-table threshold used, in rows. */
  readonly smallTableRows: number;
  /** Every table size looked up (through the driver or the option), in the order first needed. */
  readonly tableSizes: TableSizeAssumption[];
  /** Findings dropped because their table was under `smallTableRows` rows. */
  readonly exemptions: SizeExemption[];
}
