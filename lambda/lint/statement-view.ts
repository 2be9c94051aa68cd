import type { Node, ScanToken } from 'libpg-query';
import type { RuleId } from './rule-catalog';
import type { RelationRef } from './relation-name';
import type { ParsedStatement } from './sql-parser';
import type { SourceText } from './source-text';

/** A finding before severity, suppressions and table sizes are applied. */
export interface Candidate {
  readonly ruleId: RuleId;
  /** Byte offset of the offending node in the file. */
  readonly at: number;
  readonly message: string;
  readonly suggestion: string;
  /** For size-sensitive rules: the table (or index) whose row count decides. */
  readonly relation?: RelationRef;
  /** A column whose current type the rule needed but did not know (the database can tell). */
  readonly unknownColumn?: { readonly table: RelationRef; readonly column: string };
}

/**
 * One statement as the rules see it: its parse tree, its text and tokens, and positions the parse
 * tree does not carry (ALTER TABLE sub-commands have no `location`, so they are found by splitting
 * the statement's tokens at top-level commas).
 */
export class StatementView {
  private commandStartsCache: number[] | undefined;

  constructor(
    readonly parsed: ParsedStatement,
    readonly source: SourceText,
    /** The statement's tokens without comments, in order. */
    readonly tokens: readonly ScanToken[],
  ) {}

  get node(): Node {
    return this.parsed.node;
  }

  /** Byte offset of the statement's first token. */
  get start(): number {
    return this.parsed.start;
  }

  /** The statement's text as written, without the terminating `;`. */
  get text(): string {
    return this.source.slice(this.parsed.start, this.parsed.end);
  }

  /** A byte offset from the parse tree, or the statement start when the node has none (-1 or missing). */
  at(location: number | undefined): number {
    return location !== undefined && location >= 0 ? location : this.parsed.start;
  }

  /**
   * Byte offset where the i-th ALTER TABLE sub-command starts (`ADD COLUMN ...`, `ALTER COLUMN ...`),
   * given the relation name's location; the statement start when the split is ambiguous.
   */
  commandStart(index: number, relationLocation: number | undefined, commandCount: number): number {
    this.commandStartsCache ??= this.splitCommands(relationLocation);
    const starts = this.commandStartsCache;
    return starts.length === commandCount ? (starts[index] ?? this.start) : this.start;
  }

  private splitCommands(relationLocation: number | undefined): number[] {
    let k = this.tokens.findIndex((t) => t.start === relationLocation);
    if (k < 0) return [];
    while (this.tokens[k + 1]?.text === '.' && this.tokens[k + 2]) k += 2;
    if (this.tokens[k + 1]?.text === '*') k++;
    const starts: number[] = [];
    let depth = 0;
    let expectStart = true;
    for (let i = k + 1; i < this.tokens.length; i++) {
      const token = this.tokens[i]!;
      if (expectStart) {
        starts.push(token.start);
        expectStart = false;
      }
      if (token.text === '(' || token.text === '[') depth++;
      else if (token.text === ')' || token.text === ']') depth--;
      else if (token.text === ',' && depth === 0) expectStart = true;
    }
    return starts;
  }

  /** The first token whose text is `keyword` (case-insensitive), optionally at or after a byte offset. */
  keyword(keyword: string, from = 0): ScanToken | undefined {
    const upper = keyword.toUpperCase();
    return this.tokens.find((t) => t.start >= from && t.text.toUpperCase() === upper);
  }

  /**
   * The statement's text with `insertion` put right after the given token (or at the end when the
   * token is missing), for suggestions that keep the user's own formatting.
   */
  textWithInsertionAfter(token: ScanToken | undefined, insertion: string): string {
    if (!token) return `${this.text}${insertion}`;
    return `${this.source.slice(this.parsed.start, token.end)}${insertion}${this.source.slice(token.end, this.parsed.end)}`;
  }

  /** The source text of a byte range inside the statement (for quoting a constraint or column). */
  slice(startByte: number, endByte: number): string {
    return this.source.slice(startByte, endByte);
  }

  /** Byte offset just after the last token that starts before `limit` (the end of a sub-clause). */
  endOfTokensBefore(limit: number): number {
    let end = this.parsed.start;
    for (const token of this.tokens) {
      if (token.start >= limit) break;
      if (token.text !== ',') end = token.end;
    }
    return end;
  }
}
