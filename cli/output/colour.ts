/**
 * ANSI colour for human output, dependency-free. Colour is used only when the stream is a terminal,
 * `NO_COLOR` is unset or empty (https://no-color.org) and `--no-color` was not given; `FORCE_COLOR`
 * (any value but `0`) turns it on for a stream that is not a terminal. `NO_COLOR` wins over
 * `FORCE_COLOR`. `--json` output is never coloured.
 */

export interface Colour {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const ON: Colour = {
  enabled: true,
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

const same = (text: string) => text;
const OFF: Colour = { enabled: false, bold: same, dim: same, red: same, green: same, yellow: same, cyan: same };

/**
 * Decides whether a stream gets colour.
 * @param isTTY the stream's `isTTY`
 * @param env the process environment (`NO_COLOR`, `FORCE_COLOR`)
 * @param flag false when `--no-color` was given
 */
export function colourEnabled(isTTY: boolean | undefined, env: NodeJS.ProcessEnv, flag = true): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY === true;
}

/** The colour functions, or identity functions when `enabled` is false. */
export function createColour(enabled: boolean): Colour {
  return enabled ? ON : OFF;
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** `text` without ANSI colour codes. */
export function stripColour(text: string): string {
  return text.replace(ANSI, '');
}

/** Width of `text` on a terminal, in columns (colour codes take none). */
export function visibleWidth(text: string): number {
  return [...stripColour(text)].length;
}
