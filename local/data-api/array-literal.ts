/**
 * Reads PostgreSQL's text output of an array value (PostgreSQL docs, 8.15.6 "Array Input and Output
 * Syntax"): `{1,2,NULL}`, `{"a b","x\"y"}`, `{{1,2},{3,4}}`, optionally preceded by explicit bounds
 * (`[0:1]={1,2}`). Elements are returned as the text PostgreSQL printed, NULL as `null`.
 */

export type ArrayItem = string | null | ArrayItem[];

export interface ArrayLiteral {
  /** The items, nested for multi-dimensional arrays. */
  readonly items: ArrayItem[];
  /** Number of dimensions (1 for `{1,2}`, 2 for `{{1},{2}}`; an empty array `{}` counts as 1). */
  readonly dimensions: number;
}

/**
 * Parses an array's text output. Elements are separated by `,` (the delimiter of every built-in type
 * except `box`, which no result mapping here needs).
 * @throws {Error} when `text` is not an array literal (names the offset)
 */
export function parseArrayLiteral(text: string): ArrayLiteral {
  let i = 0;
  if (text.startsWith('[')) {
    const eq = text.indexOf('=');
    if (eq === -1) throw new Error(`Array literal has bounds but no '=': ${text.slice(0, 40)}`);
    i = eq + 1;
  }
  let dimensions = 0;

  const fail = (what: string): never => {
    throw new Error(`Malformed array literal at offset ${i}: ${what}`);
  };

  const parseArray = (depth: number): ArrayItem[] => {
    if (text[i] !== '{') fail("expected '{'");
    i++;
    dimensions = Math.max(dimensions, depth);
    const items: ArrayItem[] = [];
    if (text[i] === '}') {
      i++;
      return items;
    }
    for (;;) {
      const c = text[i];
      if (c === '{') {
        items.push(parseArray(depth + 1));
      } else if (c === '"') {
        i++;
        let value = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          value += text[i] ?? '';
          i++;
        }
        if (text[i] !== '"') fail('unterminated quoted element');
        i++;
        items.push(value);
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',' && text[i] !== '}') i++;
        const raw = text.slice(start, i);
        items.push(raw.toUpperCase() === 'NULL' ? null : raw);
      }
      if (text[i] === ',') {
        i++;
      } else if (text[i] === '}') {
        i++;
        return items;
      } else {
        fail("expected ',' or '}'");
      }
    }
  };

  const items = parseArray(1);
  if (i !== text.length) fail('trailing characters');
  return { items, dimensions };
}
