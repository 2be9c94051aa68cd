import type { RestorePlanActionReport } from '../../lambda/actions/restore-plan-action';
import type { PlannedTable } from '../../lambda/snapshot/restore/restore-plan';
import type { Printer } from './printer';
import { formatBytes, formatCount, formatDuration } from './units';

/** The rows a table holds now, as the catalog estimates them: `about 1,234`, `never analysed`, or `new` (a new schema's table). */
function rowsNowText(table: PlannedTable): string {
  if (table.rowsNow === undefined) return 'new';
  if (table.rowsNow < 0) return 'never analysed';
  return `about ${formatCount(table.rowsNow)}`;
}

/** What the restore does to a table besides loading it: triggers it disables, foreign keys of a cycle it defers. */
function notesText(table: PlannedTable): string {
  const notes: string[] = [];
  if (table.triggersDisabled.length > 0) notes.push(`triggers disabled: ${table.triggersDisabled.join(', ')}`);
  if (table.cycle && table.cycle.length > 0) notes.push(`cycle: ${table.cycle.join(', ')} deferred`);
  return notes.join('; ');
}

/**
 * A restore's dry run (`runRestorePlan`, `restore --dry-run`) for people: where the restore would go and
 * how (one transaction or one per table), then the tables it would empty and load, in load order, with
 * the snapshot's rows and bytes, the rows they hold now (the catalog's estimate, no count is run) and what
 * it would disable or defer; the sequences it would reset, the tables it would skip, and the totals. Into
 * another database, the migrations that would bring it to the snapshot's version first.
 */
export function renderRestorePlan(report: RestorePlanActionReport, out: Printer): void {
  const c = out.colour;
  const p = report.plan;
  const copy = p.schema !== undefined;
  const into = copy ? `a new schema "${p.schema}" of ${p.database}` : p.database;
  const how = p.transaction === 'single' ? 'in one transaction' : 'in a transaction per table';
  const about = `(schema version ${p.schemaVersion ?? 'none'}, taken ${p.createdAt}, exported in ${formatDuration(p.snapshotDurationMs)})`;
  out.line(`${c.bold('Dry run:')} restore of snapshot ${p.snapshotId} of ${p.sourceDatabase} into ${into} ${c.dim(about)} would run ${how}; ${c.bold('nothing was changed')}.`);
  const m = report.migrations;
  // Into another database whose migrations run first: its tables are the manifest's until they have run.
  const migratesFirst = m !== undefined && m.pending.length > 0;
  if (m !== undefined) {
    const repeatables = m.repeatables.length > 0 ? `, then ${m.repeatables.length} repeatable migration(s): ${m.repeatables.join(', ')}` : '';
    out.line(
      migratesFirst
        ? `First, ${m.pending.length} migration(s) would bring ${p.database} from ${m.current ?? 'no version'} to the snapshot's version ${m.target}: ${m.pending.join(', ')}${repeatables}.`
        : `${p.database} is at the snapshot's version ${m.target} already: no migration would run${repeatables}.`,
    );
  }
  if (p.tables.length === 0) {
    out.line('The snapshot has no tables to restore.');
  } else {
    out.table(
      [
        { header: '#', align: 'right' },
        { header: 'TABLE' },
        { header: 'ROWS', align: 'right' },
        { header: 'NOW', align: 'right' },
        { header: 'BYTES', align: 'right' },
        { header: 'NOTES' },
      ],
      p.tables.map((t, i) => [String(i + 1), `${t.schema}.${t.table}`, formatCount(t.rows), rowsNowText(t), formatBytes(t.bytes), notesText(t)]),
    );
    out.line(
      c.dim(
        copy
          ? 'In load order (the snapshot\'s: a new schema\'s tables get no foreign keys). ROWS: the snapshot\'s; NOW: new, the restore creates the table.'
          : migratesFirst
            ? 'In the snapshot\'s order (the load follows the foreign keys the migrations create). ROWS: the snapshot\'s; NOW: new, the migrations create the table.'
            : 'In load order (parents before children). ROWS: the snapshot\'s; NOW: the rows the table holds, as the catalog estimates them (no count is run).',
      ),
    );
  }
  if (p.sequences.length > 0) out.line(`${p.sequences.length} sequence(s) would be reset to their snapshot values: ${p.sequences.join(', ')}.`);
  if (p.skipped.length > 0) out.line(`Not restored: ${p.skipped.map((t) => `${t.schema}.${t.table}`).join(', ')} (the schema history's own).`);
  const effect = copy ? `would be loaded into the new schema "${p.schema}"` : 'would replace their current rows';
  out.line(c.cyan(`${formatCount(p.totalRows)} row(s), ${formatBytes(p.totalBytes)} of lines in ${p.tables.length} table(s) ${effect}.`));
}
