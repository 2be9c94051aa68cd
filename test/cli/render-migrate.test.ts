/**
 * `rds-migrate invoke migrate` prints what the function answered: the finished report, or the console's
 * in-progress report when the function's time budget cut the run short (no verification in it yet).
 */
import { describe, expect, it } from 'vitest';
import type { MigrateInProgressReport } from '../../lambda/function/budgeted-migrate';
import { createColour } from '../../cli/output/colour';
import { createPrinter } from '../../cli/output/printer';
import { renderMigrateInProgress } from '../../cli/output/render-migrate';

function printed(render: (out: ReturnType<typeof createPrinter>) => void): string {
  let text = '';
  render(createPrinter({ write: (chunk: string) => void (text += chunk) } as never, createColour(false)));
  return text;
}

describe('renderMigrateInProgress', () => {
  const report: MigrateInProgressReport = {
    action: 'migrate',
    database: 'essays',
    ok: true,
    inProgress: true,
    message: 'Stopped in 0001 (backfill_word_count), its progress recorded. Invoke the function with {"action":"migrate"} again to continue.',
    stopped: { reason: 'time-budget', version: '0001', name: 'backfill_word_count', inProgress: true },
    snapshot: null,
    migrate: { applied: [], repeatables: [], alreadyApplied: 0, current: null, stopped: { reason: 'time-budget', version: '0001', name: 'backfill_word_count', inProgress: true } },
  };

  it('shows where the run stopped and what to do, without a verification section', () => {
    const text = printed((out) => renderMigrateInProgress(report, out));
    expect(text).toContain('Database essays');
    expect(text).toContain('No snapshot taken by this invocation.');
    expect(text).toContain('Stopped for the time budget during 0001 (backfill_word_count): run migrate again to continue.');
    expect(text.trimEnd().split('\n').at(-1)).toBe(report.message);
    expect(text).not.toMatch(/verif/i);
  });

  it('lists the migrations this invocation applied before it stopped', () => {
    const applied = { ...report, migrate: { ...report.migrate, applied: [{ version: '0001', name: 'a', executionMs: 1200, statements: 2 }], current: '0001' } };
    const text = printed((out) => renderMigrateInProgress(applied, out));
    expect(text).toMatch(/0001\s+a\s+2\s+1\.2 s/);
    expect(text).toContain('Applied 1 migration(s); current version 0001.');
  });
});
