import { describe, expect, it } from 'vitest';
import { colourEnabled, createColour, stripColour, visibleWidth } from '../../cli/output/colour';
import { toJsonDocument } from '../../cli/output/json';
import { ProgressBar, progressText } from '../../cli/output/progress-bar';
import { createStderr } from '../../cli/output/status-line';
import { renderTable } from '../../cli/output/table';
import { formatBytes, formatCount, formatDuration } from '../../cli/output/units';

describe('colour', () => {
  it('is on only for a terminal, unless NO_COLOR (non-empty) or --no-color; FORCE_COLOR turns it on for a pipe', () => {
    expect(colourEnabled(true, {})).toBe(true);
    expect(colourEnabled(false, {})).toBe(false);
    expect(colourEnabled(undefined, {})).toBe(false);
    expect(colourEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled(true, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled(true, {}, false)).toBe(false);
    expect(colourEnabled(false, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled(false, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled(true, { FORCE_COLOR: '1', NO_COLOR: 'yes' })).toBe(false);
  });

  it('codes take no width', () => {
    const c = createColour(true);
    expect(c.red('abc')).toBe('\u001b[31mabc\u001b[39m');
    expect(stripColour(c.bold(c.green('ok')))).toBe('ok');
    expect(visibleWidth(c.yellow('pending'))).toBe(7);
    expect(createColour(false).red('abc')).toBe('abc');
  });
});

describe('renderTable', () => {
  it('pads columns to their widest cell, right-aligns numbers, leaves no trailing spaces', () => {
    const c = createColour(true);
    const lines = renderTable(
      [{ header: 'VERSION' }, { header: 'ROWS', align: 'right' }, { header: 'NOTE' }],
      [
        ['0001', '5', ''],
        [c.green('0022'), '12,345', 'long note'],
      ],
    );
    expect(lines.map(stripColour)).toEqual(['VERSION    ROWS  NOTE', '0001          5', '0022     12,345  long note']);
  });

  it('refuses a row with the wrong number of cells', () => {
    expect(() => renderTable([{ header: 'A' }], [['1', '2']])).toThrow('renderTable: row 0 has 2 cells for 1 columns');
  });
});

describe('units', () => {
  it('formats counts, bytes and durations for people', () => {
    expect(formatCount(1234567.4)).toBe('1,234,567');
    expect([formatBytes(512), formatBytes(1536), formatBytes(3.4 * 1024 * 1024), formatBytes(20 * 1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '3.4 MiB', '20 GiB']);
    expect([formatDuration(850), formatDuration(12_340), formatDuration(245_000), formatDuration(7_380_000)]).toEqual(['850 ms', '12.3 s', '4m 05s', '2h 03m']);
  });
});

describe('progress', () => {
  it('shows a bar, rows of total, bytes, rate and ETA; without a total, rows and rate only', () => {
    expect(progressText('snapshot', { rows: 25_000, bytes: 5 * 1024 * 1024, label: 'public.t (2/3)' }, 5_000, 100_000)).toBe(
      'snapshot  [######------------------]   25%  25,000 / 100,000 rows  5.0 MiB  5,000 rows/s  ETA 15.0 s  public.t (2/3)',
    );
    expect(progressText('snapshot', { rows: 300, bytes: 2048 }, 2_000)).toBe('snapshot  300 rows  2.0 KiB  150 rows/s');
    // An estimate below the rows done is raised to them: 100%, no ETA.
    expect(progressText('snapshot', { rows: 120, bytes: 0 }, 1_000, 100)).toBe('snapshot  [########################]  100%  120 / 120 rows  0 B  120 rows/s');
  });

  it('redraws the status line in place on a terminal, at most every redrawMs, and clears it at the end', () => {
    let now = 0;
    const written: string[] = [];
    const stderr = createStderr({ isTTY: true, columns: 200, write: (t: string) => written.push(t) });
    const bar = new ProgressBar(stderr, { title: 'snapshot', totalRows: 10, redrawMs: 100, now: () => now });
    now = 150;
    bar.update({ rows: 1, bytes: 10 });
    now = 200;
    bar.update({ rows: 2, bytes: 20 }); // within 100 ms of the last draw: not drawn
    stderr.writeLine('info: a log line');
    now = 400;
    bar.update({ rows: 5, bytes: 50 });
    bar.finish();
    expect(written).toEqual([
      '\r\u001b[2K' + progressText('snapshot', { rows: 1, bytes: 10 }, 150, 10),
      '\r\u001b[2K',
      'info: a log line\n',
      progressText('snapshot', { rows: 1, bytes: 10 }, 150, 10),
      '\r\u001b[2K' + progressText('snapshot', { rows: 5, bytes: 50 }, 400, 10),
      '\r\u001b[2K',
    ]);
  });

  it('draws nothing when stderr is not a terminal', () => {
    const written: string[] = [];
    const stderr = createStderr({ isTTY: false, write: (t: string) => written.push(t) });
    new ProgressBar(stderr, { title: 'snapshot' }).update({ rows: 1, bytes: 1 });
    stderr.writeLine('warn: x');
    expect(written).toEqual(['warn: x\n']);
  });
});

describe('toJsonDocument', () => {
  it('writes bytea as PostgreSQL hex and bigint as text, one document ending in a newline', () => {
    expect(toJsonDocument({ blob: new Uint8Array([1, 171]), big: 2n ** 64n, gone: undefined })).toBe('{\n  "blob": "\\\\x01ab",\n  "big": "18446744073709551616"\n}\n');
  });
});
