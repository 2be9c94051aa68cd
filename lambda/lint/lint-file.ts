import type { ResolvedLintConfig } from './lint-config';
import { MAX_STATEMENT_CHARS, type LintFinding, type SizeExemption } from './lint-finding';
import { MigrationState, SchemaKnowledge, learnFromStatement } from './migration-state';
import { relationKey, type RelationRef } from './relation-name';
import { ruleInfo, type RuleId } from './rule-catalog';
import { STATEMENT_RULES } from './rules/index';
import { isCommentToken, isSyntaxError, parseFile, type ParsedFile, type ParsedStatement } from './sql-parser';
import { SourceText } from './source-text';
import { StatementView, type Candidate } from './statement-view';
import { parseSuppressions, type Suppression } from './suppressions';
import type { TableSizes } from './table-sizes';
import { nonTransactionalCommand } from '../migrations/non-transactional';

/**
 * Lints one file: parse, run every rule on every statement in order (learning what each statement
 * creates), then apply severities, table sizes and suppressions. Shared by `lintSql` (one file) and
 * `lintMigrations` (a run over many, with knowledge carried from one migration to the next).
 */
export interface FileLintInput {
  readonly file: string;
  readonly sql: string;
  readonly config: ResolvedLintConfig;
  /** Carried across the files of a run; seeded from the database when there is one. */
  readonly knowledge: SchemaKnowledge;
  readonly sizes: TableSizes;
  /** Tables created earlier in the same migration (before this text). */
  readonly createdTables?: Iterable<RelationRef>;
  /** Whether the runner wraps the file in one transaction; detected from the statements when absent. */
  readonly transactional?: boolean;
}

export interface FileLintResult {
  readonly findings: LintFinding[];
  readonly exemptions: SizeExemption[];
  /** Relations whose size would decide a size-sensitive finding but is unknown. */
  readonly unknownSizes: RelationRef[];
  /** Columns whose current type would decide a type-change finding but is unknown. */
  readonly unknownColumnTypes: Array<{ readonly table: RelationRef; readonly column: string }>;
}

interface PlacedCandidate extends Candidate {
  readonly statement: number;
}

function cut(text: string): string {
  const trimmed = text.trim();
  const chars = [...trimmed];
  return chars.length > MAX_STATEMENT_CHARS ? `${chars.slice(0, MAX_STATEMENT_CHARS - 1).join('')}…` : trimmed;
}

function formatRows(rows: number): string {
  return Math.round(rows).toLocaleString('en-US');
}

/** The statement whose region holds a byte offset (comments before a statement belong to it). */
function statementAt(statements: readonly ParsedStatement[], offset: number): number | undefined {
  const found = statements.find((s) => offset >= s.regionStart && offset < s.regionEnd);
  return found?.index;
}

export function lintFile(input: FileLintInput): FileLintResult {
  const { file, config } = input;
  // A byte order mark is not whitespace to PostgreSQL; editors add it. One character either way.
  const source = new SourceText(input.sql.startsWith('\uFEFF') ? ` ${input.sql.slice(1)}` : input.sql);
  const result: FileLintResult = { findings: [], exemptions: [], unknownSizes: [], unknownColumnTypes: [] };
  const severityOf = (ruleId: RuleId) => config.severities.get(ruleId) ?? 'off';
  const emit = (ruleId: RuleId, at: number, message: string, suggestion: string, statement: string) => {
    const severity = severityOf(ruleId);
    if (severity === 'off') return;
    const { line, column } = source.positionOfByte(at);
    result.findings.push({ ruleId, severity, file, line, column, message, suggestion, statement: cut(statement) });
  };

  const parsed = parseFile(source);
  if (isSyntaxError(parsed)) {
    const { line } = source.positionOfByte(parsed.byteOffset);
    const lineText = source.text.split('\n')[line - 1] ?? '';
    emit('syntax-error', parsed.byteOffset, `PostgreSQL cannot parse ${file}: ${parsed.message}.`, 'Fix the SQL: the migration cannot run as written.', lineText);
    return result;
  }

  const views = statementViews(parsed, source);
  const candidates = collectCandidates(views, source, input);

  const suppressions = parseSuppressions(parsed.tokens).map((s) => ({ ...s, statement: statementAt(parsed.statements, s.start), used: false }));
  const suppressed = (candidate: PlacedCandidate): boolean => {
    const match = suppressions.find((s) => !s.problem && s.statement === candidate.statement && s.ruleIds.includes(candidate.ruleId));
    if (match) match.used = true;
    return match !== undefined;
  };

  for (const candidate of candidates) {
    const view = views[candidate.statement]!;
    const rule = ruleInfo(candidate.ruleId);
    if (severityOf(candidate.ruleId) === 'off') {
      suppressed(candidate); // a suppression of a rule turned off is not "unused"
      continue;
    }
    let sizeNote = '';
    if (rule.sizeSensitive && candidate.relation) {
      const rows = input.sizes.rows(candidate.relation);
      if (rows === undefined) {
        result.unknownSizes.push(candidate.relation);
      } else if (rows < config.smallTableRows) {
        suppressed(candidate);
        const { line, column } = source.positionOfByte(candidate.at);
        result.exemptions.push({ ruleId: candidate.ruleId, file, line, column, table: relationKey(candidate.relation), rows });
        continue;
      } else {
        sizeNote = ` (${relationKey(candidate.relation)} has ~${formatRows(rows)} rows, at or above the ${formatRows(config.smallTableRows)}-row small-table threshold)`;
      }
    }
    if (candidate.unknownColumn) result.unknownColumnTypes.push(candidate.unknownColumn);
    if (suppressed(candidate)) continue;
    const message = sizeNote ? candidate.message.replace(/\.$/, `${sizeNote}.`) : candidate.message;
    emit(candidate.ruleId, candidate.at, message, candidate.suggestion, view.text);
  }

  for (const suppression of suppressions) {
    reportSuppression(suppression, emit);
  }
  result.findings.sort((a, b) => a.line - b.line || a.column - b.column);
  return result;
}

/** Each statement with its own tokens (comments left out). */
function statementViews(parsed: ParsedFile, source: SourceText): StatementView[] {
  const codeTokens = parsed.tokens.filter((t) => !isCommentToken(t));
  let next = 0;
  return parsed.statements.map((s) => {
    while (next < codeTokens.length && codeTokens[next]!.start < s.start) next++;
    const first = next;
    while (next < codeTokens.length && codeTokens[next]!.end <= s.end) next++;
    return new StatementView(s, source, codeTokens.slice(first, next));
  });
}

/** Runs every rule on every statement in order, learning from each statement after its checks. */
function collectCandidates(views: readonly StatementView[], source: SourceText, input: FileLintInput): PlacedCandidate[] {
  const forcing = views.find((v) => nonTransactionalCommand(v.node) !== undefined);
  const transactional = input.transactional ?? forcing === undefined;
  const cause = forcing ? `${nonTransactionalCommand(forcing.node)} at line ${source.positionOfByte(forcing.start).line}` : undefined;
  const state = new MigrationState(transactional, input.createdTables, cause);
  const candidates: PlacedCandidate[] = [];
  for (const view of views) {
    const report = (candidate: Candidate) => candidates.push({ ...candidate, statement: view.parsed.index });
    for (const rule of STATEMENT_RULES) rule({ statement: view, state, knowledge: input.knowledge, report });
    learnFromStatement(view.node, input.knowledge, state);
  }
  return candidates;
}

type Emit = (ruleId: RuleId, at: number, message: string, suggestion: string, statement: string) => void;

function reportSuppression(suppression: Suppression & { statement: number | undefined; used: boolean }, emit: Emit): void {
  if (suppression.problem) {
    emit(
      'invalid-suppression',
      suppression.start,
      `This suppression is not applied: ${suppression.problem}.`,
      'State the rule id(s) and why the statement is safe here, after a colon: -- rds-migrate-lint-ignore require-concurrent-index-creation: table has 200 rows, built at deploy',
      suppression.text,
    );
  } else if (!suppression.used) {
    const where = suppression.statement === undefined ? 'no statement follows it' : `the statement it belongs to has no ${suppression.ruleIds.join(' or ')} finding`;
    emit(
      'unused-suppression',
      suppression.start,
      `This suppression of ${suppression.ruleIds.join(', ')} suppresses nothing: ${where}.`,
      'Remove it, or move it right above the statement it is meant for.',
      suppression.text,
    );
  }
}
