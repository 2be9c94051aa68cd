import type { ScanToken } from 'libpg-query';
import { isRuleId, type RuleId } from './rule-catalog';
import { isCommentToken } from './sql-parser';

/**
 * Suppression comments: an acknowledged exception to a rule, written before (or inside) the
 * statement it applies to, with a reason for the reviewer:
 *
 *     -- rds-migrate-lint-ignore require-concurrent-index-creation: table has 200 rows, built at deploy
 *     CREATE INDEX ...;
 *
 *     /* rds-migrate-lint-ignore ban-drop-column, ban-drop-table: nothing reads them since v2.3 *\/
 *
 * A suppression names one or more rule ids (comma or space separated), then `:` and a non-empty
 * reason. One without a reason, or naming an unknown rule, is not applied and is itself reported
 * (`invalid-suppression`).
 */
export interface Suppression {
  /** The rules it silences (empty when invalid). */
  readonly ruleIds: readonly RuleId[];
  readonly reason: string;
  /** Byte offset of the comment holding it. */
  readonly start: number;
  /** The directive's line of the comment, trimmed. */
  readonly text: string;
  /** Why it is not applied, when it is invalid. */
  readonly problem?: string;
}

/** The marker that starts a suppression inside a comment. */
export const SUPPRESSION_MARKER = 'rds-migrate-lint-ignore';

const DIRECTIVE = /^[\s*]*rds-migrate-lint-ignore(?=[\s:]|$)(.*)$/;
const USAGE = `write it as \`-- ${SUPPRESSION_MARKER} <rule-id>: <why this is safe here>\``;

/** The body of a comment token without its `--` or `/* *\/` delimiters. */
function commentBody(token: ScanToken): string {
  if (token.tokenName === 'SQL_COMMENT') return token.text.replace(/^--/, '');
  return token.text.replace(/^\/\*/, '').replace(/\*\/$/, '');
}

/** Reads one directive (the text after the marker). */
function parseDirective(rest: string, start: number, text: string): Suppression {
  const colon = rest.indexOf(':');
  const idsPart = colon >= 0 ? rest.slice(0, colon) : rest;
  const reason = colon >= 0 ? rest.slice(colon + 1).trim() : '';
  const names = idsPart.split(/[\s,]+/).filter((name) => name !== '');
  const unknown = names.filter((name) => !isRuleId(name));
  let problem: string | undefined;
  if (names.length === 0) problem = `the suppression names no rule: ${USAGE}`;
  else if (unknown.length > 0) problem = `the suppression names unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`;
  else if (reason === '') problem = `the suppression of ${names.join(', ')} gives no reason: ${USAGE}`;
  const ruleIds = problem === undefined ? (names as RuleId[]) : [];
  return problem === undefined ? { ruleIds, reason, start, text } : { ruleIds, reason, start, text, problem };
}

/** Every suppression directive in a file's comments, in file order. */
export function parseSuppressions(tokens: readonly ScanToken[]): Suppression[] {
  const found: Suppression[] = [];
  for (const token of tokens) {
    if (!isCommentToken(token) || !token.text.includes(SUPPRESSION_MARKER)) continue;
    for (const line of commentBody(token).split('\n')) {
      const match = DIRECTIVE.exec(line);
      if (match) found.push(parseDirective(match[1] ?? '', token.start, line.trim().replace(/^\*\s*/, '')));
    }
  }
  return found;
}
