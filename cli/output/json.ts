/**
 * The `--json` document: exactly one JSON value on stdout per run, 2-space indented, ending with a
 * newline. Values JSON cannot hold are converted: `Uint8Array` → `\x...` hex (as PostgreSQL prints
 * bytea), `bigint` → string, `Date` → ISO 8601 (its toJSON), `undefined` fields → left out.
 */
export function toJsonDocument(value: unknown): string {
  return `${JSON.stringify(value, replacer, 2)}\n`;
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'bigint') return value.toString();
  return value;
}
