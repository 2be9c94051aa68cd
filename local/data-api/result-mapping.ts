/**
 * Turns a PostgreSQL result (text-format values, column type OIDs) into the ExecuteStatement response
 * members the Data API returns: `records` (rows of Field), `columnMetadata`, `formattedRecords`.
 * The mapping of each type is in `type-catalog.ts`; the limits are from
 * `/work/shared/data-api-reference.md` ("Limits").
 */
import { parseArrayLiteral } from './array-literal';
import type { ResultSetOptions } from './requests';
import { serviceError } from './service-error';
import { timestamptzToUtc } from './timestamps';
import { isUnsupportedArray, type ColumnType, type ValueKind } from './type-catalog';
import type { Utf8Builder } from './utf8-builder';

/** A result column as `pg` describes it (its FieldDef). */
export interface ResultColumn {
  readonly name: string;
  readonly dataTypeID: number;
  /** atttypmod: for numeric `((precision << 16) | scale) + 4`, for varchar `length + 4`, -1 when none. */
  readonly dataTypeModifier: number;
}

export interface MappingOptions {
  readonly resultSetOptions: ResultSetOptions;
  /** Largest row, in bytes of the values' text as PostgreSQL sent them (the Data API's 64 KB). */
  readonly maxRowBytes: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A result Field as JSON: `{longValue: 1}`, `{isNull: true}`, `{arrayValue: {stringValues: [...]}}`. */
export type ResultField = Record<string, Json>;

/** Decodes bytea text output: hex (`\x0102`, the default bytea_output) or the older escape format. */
export function decodeBytea(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === '\\') {
      bytes.push(0x5c);
      i++;
    } else if (text[i] === '\\') {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(text[i]!, 'latin1'));
    }
  }
  return Buffer.from(bytes);
}

const INTEGER = /^-?\d+$/;

/** A scalar as plain JSON (the form formattedRecords uses). */
function scalarJson(kind: ValueKind, text: string, options: ResultSetOptions): Json {
  switch (kind) {
    case 'long':
      return options.longReturnType === 'STRING' ? text : Number(text);
    case 'double': {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'decimal': {
      if (options.decimalReturnType !== 'DOUBLE_OR_LONG') return text;
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'boolean':
      return text === 't';
    case 'blob':
      return decodeBytea(text).toString('base64');
    case 'timestamptz':
      return timestamptzToUtc(text);
    case 'string':
      return text;
  }
}

/** A scalar as a Field: `{longValue}`, `{stringValue}`, ... */
function scalarField(kind: ValueKind, text: string, options: ResultSetOptions): ResultField {
  const value = scalarJson(kind, text, options);
  switch (typeof value) {
    case 'boolean':
      return { booleanValue: value };
    case 'number':
      return kind === 'double' || (kind === 'decimal' && !INTEGER.test(text)) ? { doubleValue: value } : { longValue: value };
    default:
      return kind === 'blob' ? { blobValue: value as string } : { stringValue: value as string };
  }
}

/** The ArrayValue member that holds elements of `kind`. */
function arrayMember(kind: ValueKind, options: ResultSetOptions): string {
  if (kind === 'long') return options.longReturnType === 'STRING' ? 'stringValues' : 'longValues';
  if (kind === 'double') return 'doubleValues';
  if (kind === 'boolean') return 'booleanValues';
  return 'stringValues';
}

function arrayElementJson(kind: ValueKind, item: string | null, options: ResultSetOptions): Json {
  if (item === null) return null;
  if (kind === 'decimal') return item;
  if (kind === 'double') return Number(item);
  return scalarJson(kind, item, options);
}

function arrayItems(type: ColumnType, text: string): (string | null)[] {
  if (isUnsupportedArray(type)) {
    throw serviceError('UnsupportedResultException', `The result contains the unsupported data type ${type.name}.`);
  }
  const literal = parseArrayLiteral(text);
  if (literal.dimensions > 1) {
    throw serviceError('UnsupportedResultException', `The result contains a multidimensional array (${type.name}), which isn't supported.`);
  }
  return literal.items as (string | null)[];
}

/**
 * One value as a Field, following the Data API mapping.
 * @throws {ServiceError} UnsupportedResultException for multi-dimensional arrays, uuid[] and bytea[]
 */
export function toField(type: ColumnType, text: string | null, options: ResultSetOptions): ResultField {
  if (text === null) return { isNull: true };
  if (!type.element) return scalarField(type.kind, text, options);
  const items = arrayItems(type, text);
  const kind = type.element.kind;
  return { arrayValue: { [arrayMember(kind, options)]: items.map((item) => arrayElementJson(kind, item, options)) } };
}

/** One value as plain JSON, for formattedRecords (numeric as string, bytea as base64). */
export function toJsonValue(type: ColumnType, text: string | null, options: ResultSetOptions): Json {
  if (text === null) return null;
  if (!type.element) return scalarJson(type.kind, text, options);
  const kind = type.element.kind;
  return arrayItems(type, text).map((item) => arrayElementJson(kind, item, options));
}

/** Printable ASCII but `"` and `\`: a string of these needs no escaping, in its JSON nor in the body, and has a byte a character. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON text escaped as the contents of a JSON string. */
const escapeJson = (json: string): string => JSON.stringify(json).slice(1, -1);

/**
 * Writes the rows as formattedRecords to `out`, escaped as the contents of a JSON string (what stands between
 * the body's quotes), and returns the size of the formattedRecords text itself, in UTF-8 bytes (what the 10 MB
 * limit counts). The text is what `JSON.stringify` gives for one object per row keyed by column name (made by
 * `Object.fromEntries`: of columns with the same name the last wins, at the first one's place; integer-like
 * names come first), written without the objects. A plain string (the bulk of a snapshot's pages: their
 * base64 pieces) is checked once and copied rather than escaped twice and measured; keys are escaped once per
 * call, numbers written with `String`.
 * @throws {ServiceError} as {@link toJsonValue}, for the first unsupported value in row, then column, order
 */
export function writeFormattedRecords(
  out: Utf8Builder,
  columns: readonly ResultColumn[],
  types: readonly ColumnType[],
  rows: readonly (readonly (string | null)[])[],
  options: ResultSetOptions,
): number {
  const layout = Object.entries(Object.fromEntries(columns.map((column, i) => [column.name, i])));
  const keys = layout.map(([name], k) => {
    const json = `${k === 0 ? '{' : ','}${JSON.stringify(name)}:`;
    return { escaped: escapeJson(json), bytes: Buffer.byteLength(json) };
  });
  out.add('[');
  let bytes = 2 + rows.length + Math.max(rows.length - 1, 0); // [ and ], each record's }, the commas between records
  rows.forEach((row, r) => {
    // Every column is mapped, as for the objects: an unsupported value fails even where a later column of its name hides it.
    const values = columns.map((_, i) => toJsonValue(types[i]!, row[i] ?? null, options));
    if (r > 0) out.add(',');
    for (let k = 0; k < layout.length; k++) {
      const value = values[layout[k]![1]];
      out.add(keys[k]!.escaped);
      bytes += keys[k]!.bytes;
      if (typeof value === 'string' && PLAIN.test(value)) {
        out.add('\\"');
        out.add(value);
        out.add('\\"');
        bytes += value.length + 2;
      } else if (value === null || typeof value === 'number' || typeof value === 'boolean') {
        const json = typeof value === 'number' && !Number.isFinite(value) ? 'null' : String(value); // as JSON.stringify writes them
        out.add(json);
        bytes += json.length;
      } else {
        const json = JSON.stringify(value);
        out.add(escapeJson(json));
        bytes += Buffer.byteLength(json);
      }
    }
    out.add('}');
  });
  out.add(']');
  return bytes;
}

/**
 * Checks the 64 KB row limit: the summed byte length of the row's values as PostgreSQL sent them.
 * @throws {ServiceError} UnsupportedResultException naming the row (1-based) and its size
 */
export function checkRowSize(row: readonly (string | null)[], index: number, maxRowBytes: number): void {
  let bytes = 0;
  for (const value of row) if (value !== null) bytes += Buffer.byteLength(value);
  if (bytes > maxRowBytes) {
    throw serviceError(
      'UnsupportedResultException',
      `Packet for query is too large: row ${index + 1} has ${bytes} bytes, over the limit of ${maxRowBytes} bytes per row.`,
    );
  }
}

function precisionAndScale(type: ColumnType, typmod: number): { precision: number; scale: number } {
  switch (type.name) {
    case 'int2':
      return { precision: 5, scale: 0 };
    case 'int4':
      return { precision: 10, scale: 0 };
    case 'int8':
    case 'oid':
      return { precision: 19, scale: 0 };
    case 'float4':
      return { precision: 8, scale: 8 };
    case 'float8':
      return { precision: 17, scale: 17 };
    case 'bool':
      return { precision: 1, scale: 0 };
    case 'numeric':
      return typmod >= 4 ? { precision: ((typmod - 4) >> 16) & 0xffff, scale: (typmod - 4) & 0xffff } : { precision: 0, scale: 0 };
    case 'varchar':
    case 'bpchar':
      return { precision: typmod >= 4 ? typmod - 4 : 2147483647, scale: 0 };
    case 'text':
      return { precision: 2147483647, scale: 0 };
    default:
      return { precision: 0, scale: 0 };
  }
}

/**
 * `columnMetadata` for the columns, with the members the SDK models. Types and precision follow
 * what the PostgreSQL JDBC driver reports (the service's own backend); schemaName and tableName are
 * left empty and nullable is 2 (unknown): the local server does not look columns up in the catalog.
 */
export function columnMetadata(columns: readonly ResultColumn[], types: readonly ColumnType[]): Record<string, Json>[] {
  return columns.map((column, i) => {
    const type = types[i]!;
    return {
      name: column.name,
      label: column.name,
      type: type.jdbcType,
      typeName: type.name,
      schemaName: '',
      tableName: '',
      isAutoIncrement: false,
      isSigned: !type.element && (type.kind === 'long' || type.kind === 'double' || type.kind === 'decimal'),
      isCurrency: type.name === 'money',
      isCaseSensitive: !type.element && type.kind === 'string',
      nullable: 2,
      ...precisionAndScale(type, column.dataTypeModifier),
      arrayBaseColumnType: type.element ? type.element.jdbcType : 0,
    };
  });
}
