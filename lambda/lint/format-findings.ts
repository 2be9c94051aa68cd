import type { LintFinding, LintReport } from './lint-finding';

/**
 * Text output of the linter (the `--json` form is `JSON.stringify(report)`): one line per finding,
 * `file:line:column rule-id message`, the form editors and CI annotators recognise, with the
 * suggested rewrite indented beneath.
 */

const INDENT = '    ';

/** The findings as text, one block per finding, ending with a newline (empty string for none). */
export function formatFindings(findings: readonly LintFinding[]): string {
  return findings
    .map((f) => {
      const head = `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`;
      const body = f.suggestion ? `\n${f.suggestion.split('\n').map((line) => `${INDENT}${line}`).join('\n')}` : '';
      return `${head}${body}\n`;
    })
    .join('');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The whole report as text: the findings, the table sizes assumed and the exemptions they caused,
 * and a summary line (`2 errors, 1 warning in 3 files`).
 */
export function formatReport(report: LintReport): string {
  const parts = [formatFindings(report.findings)];
  if (report.tableSizes.length > 0) {
    const sizes = report.tableSizes.map((s) => `${INDENT}${s.table}: ${s.rows === null ? 'unknown' : `~${Math.round(s.rows).toLocaleString('en-US')} rows`} (${s.source})`);
    parts.push(`Table sizes assumed (small-table threshold ${report.smallTableRows.toLocaleString('en-US')} rows):\n${sizes.join('\n')}\n`);
  }
  for (const e of report.exemptions) {
    parts.push(`${e.file}:${e.line}:${e.column} ${e.ruleId} not reported: ${e.table} has ~${Math.round(e.rows).toLocaleString('en-US')} rows\n`);
  }
  parts.push(`${plural(report.errorCount, 'error')}, ${plural(report.warningCount, 'warning')} in ${plural(report.files.length, 'file')}\n`);
  return parts.join('');
}
