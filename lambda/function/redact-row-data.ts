/**
 * Keeps row data out of what the function writes: its log lines, the errors it throws (the Lambda
 * runtime logs them; CloudFormation shows a deploy's as its failure reason) and the reports it returns.
 *
 * PostgreSQL quotes the offending data value in the messages of some data exceptions (SQLSTATE class
 * 22) and in the details of integrity violations (class 23), e.g. `invalid input syntax for type
 * integer: "sk_live_..."` or `Key (email)=(alice@example.com) already exists.` (PostgreSQL source,
 * the `ereport` calls of the type input functions and of the unique and check constraint checks).
 * Those values are replaced by `<redacted>`; identifiers (relation, column, constraint and type
 * names) and everything else are kept, so the message still says what failed and where.
 */
import type { Log } from '../observability/log';

export const REDACTED = '<redacted>';

/** A double-quoted value as PostgreSQL writes it (no escaping of inner quotes in these messages). */
const QUOTED = String.raw`"[^"\n]*"`;

/** Message shapes that carry a data value, and how to keep the rest of them. */
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // invalid input syntax for type integer: "x" / invalid input value for enum mood: "x"
  [new RegExp(String.raw`(invalid input (?:syntax|value) for (?:type|enum) [^:"\n]+): ${QUOTED}`, 'g'), `$1: ${REDACTED}`],
  // value "123456789012" is out of range for type integer
  [new RegExp(String.raw`\bvalue ${QUOTED} is out of range`, 'g'), `value ${REDACTED} is out of range`],
  // malformed array literal: "x", malformed record literal: "x", malformed range literal: "x"
  [new RegExp(String.raw`(malformed (?:array|record|range|multirange) literal): ${QUOTED}`, 'g'), `$1: ${REDACTED}`],
  // date/time field value out of range: "x", invalid hexadecimal digit: "x", and the like
  [new RegExp(String.raw`((?:date/time field value out of range|invalid hexadecimal digit|invalid hexadecimal data|time zone displacement out of range)): ${QUOTED}`, 'g'), `$1: ${REDACTED}`],
  // invalid value "x" for "YYYY" (to_date, to_timestamp)
  [new RegExp(String.raw`invalid value ${QUOTED} for`, 'g'), `invalid value ${REDACTED} for`],
  // invalid byte sequence for encoding "UTF8": 0xc3 0x28
  [/(invalid byte sequence for encoding "[^"]+"): (?:0x[0-9a-f]{2} ?)+/g, `$1: ${REDACTED}`],
  // Key (email)=(alice@example.com) already exists. / is duplicated. / is not present in table "t".
  [/Key \(([^)\n]*)\)=\(.*?\)(?= already exists| is duplicated| is not present| is still referenced| conflicts with|[.;]|$)/gm, `Key ($1)=(${REDACTED})`],
  // Failing row contains (1, alice@example.com, ...).
  [/Failing row contains \([^\n]*\)/g, `Failing row contains (${REDACTED})`],
  // ... conflicts with existing key (during)=(["2024-01-02 00:00:00","2024-01-03 00:00:00")). (exclusion constraints, 23P01)
  [/existing key \(([^)\n]*)\)=\(.*\)(?=\.?$)/gm, `existing key ($1)=(${REDACTED})`],
  // invalid input syntax for type json, DETAIL: Token "secret" is invalid. / Expected ":", but found "secret". / Escape sequence "\q" is invalid.
  [new RegExp(String.raw`\b(Token|Escape sequence) ${QUOTED} is invalid`, 'g'), `$1 ${REDACTED} is invalid`],
  [new RegExp(String.raw`\bbut found ${QUOTED}`, 'g'), `but found ${REDACTED}`],
];

/** `text` with the data values PostgreSQL quotes in its messages replaced by `<redacted>`. */
export function redactRowData(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of a JSON-like value (a report) with every string passed through {@link redactRowData}. */
export function redactStrings<T>(value: T): T {
  if (typeof value === 'string') return redactRowData(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactStrings(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v)])) as T;
  }
  return value;
}

/**
 * Redacts, in place, the message and stack of `error` and of every error in its `cause` chain, so the
 * error keeps its class and fields (callers match on them) but no longer carries data values.
 * Fields holding the database's own message (MigrationError.databaseMessage, DatabaseError.detail)
 * are redacted too. Never throws.
 */
export function redactError(error: unknown): void {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    for (const field of ['message', 'stack', 'databaseMessage', 'detail'] as const) {
      const descriptor = Object.getOwnPropertyDescriptor(e, field);
      if (!descriptor || typeof descriptor.value !== 'string') continue;
      try {
        Object.defineProperty(e, field, { ...descriptor, value: redactRowData(descriptor.value) });
      } catch {
        // A frozen error keeps its text; nothing better can be done here.
      }
    }
  }
}

/** A Log that redacts its messages and the strings of its extras (see {@link redactRowData}). */
export function redactingLog(log: Log): Log {
  const at = (level: keyof Log) => (message: string, extra?: Record<string, unknown>) =>
    extra === undefined ? log[level](redactRowData(message)) : log[level](redactRowData(message), redactStrings(extra));
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
