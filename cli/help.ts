import type { Command } from 'commander';
import { EXIT_CODES_HELP } from './exit-codes';
import { TARGET_HELP } from './target/target-options';

export interface CommandHelp {
  /** Example command lines, without the leading `$ `. */
  readonly examples: readonly string[];
  /** Add the targets section (commands that reach a database). @default false */
  readonly targets?: boolean;
  /** Extra paragraphs after the examples. */
  readonly notes?: string;
}

/** Appends examples, notes, the targets section and the exit codes to a command's `--help`. */
export function addHelp(command: Command, help: CommandHelp): Command {
  const sections = [`Examples:\n${help.examples.map((e) => `  $ ${e}`).join('\n')}`];
  if (help.notes) sections.push(help.notes);
  if (help.targets) sections.push(TARGET_HELP);
  sections.push(EXIT_CODES_HELP);
  return command.addHelpText('after', `\n${sections.join('\n\n')}\n`);
}
