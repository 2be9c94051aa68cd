/**
 * The Data API's Field mapping, both ways, for `DataApiDriver`:
 * - parameters: `SqlParams` → `SqlParameter[]` (`:name` references, one Field each);
 * - results: `records` + `columnMetadata` → `Row[]` keyed by column label, with the `SqlValue`
 *   mapping documented in `../driver.ts` (numbers, booleans, Uint8Array for bytea, arrays, strings).
 */
import type { ArrayValue, ColumnMetadata, Field, SqlParameter } from '@aws-sdk/client-rds-data';
import type { Row, SqlParams, SqlScalar, SqlValue, TypedParam } from '../driver';
import { DriverError } from '../errors';
import { toPositional } from '../named-parameters';

function toField(name: string, value: SqlScalar | TypedParam): { value: Field; typeHint?: TypedParam['typeHint'] } {
  if (value === null) return { value: { isNull: true } };
  if (typeof value === 'boolean') return { value: { booleanValue: value } };
  if (typeof value === 'string') return { value: { stringValue: value } };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Parameter :${name} is ${value}: the Data API cannot send NaN or Infinity (pass a string with a cast)`);
    return { value: Number.isSafeInteger(value) ? { longValue: value } : { doubleValue: value } };
  }
  if (value instanceof Uint8Array) return { value: { blobValue: value } };
  return { value: { stringValue: value.value }, typeHint: value.typeHint };
}

/**
 * The parameters `sql` references (`:name`, found with `toPositional`, so names inside literals,
 * comments and `::` casts are not parameters), as Data API SqlParameters: null → isNull, boolean →
 * booleanValue, safe integer → longValue (sent as int8), other number → doubleValue (float8),
 * string → stringValue (varchar), Uint8Array → blobValue, TypedParam → stringValue with its typeHint.
 * Parameters the SQL does not reference are not sent.
 * @throws {Error} `Missing parameter :name for statement: ...` when `params` lacks a referenced name;
 *   for a NaN or infinite number
 */
export function toSqlParameters(sql: string, params: SqlParams | undefined): SqlParameter[] {
  return toPositional(sql).names.map((name) => {
    if (!params || !(name in params)) throw new Error(`Missing parameter :${name} for statement: ${sql.slice(0, 80)}`);
    const { value, typeHint } = toField(name, params[name]!);
    return typeHint ? { name, value, typeHint } : { name, value };
  });
}

function fromArrayValue(array: ArrayValue): SqlValue[] {
  if (array.booleanValues) return array.booleanValues.map((v) => v ?? null);
  if (array.longValues) return array.longValues.map((v) => v ?? null);
  if (array.doubleValues) return array.doubleValues.map((v) => v ?? null);
  if (array.stringValues) return array.stringValues.map((v) => v ?? null);
  if (array.arrayValues) return array.arrayValues.map((inner) => (inner === null ? null : fromArrayValue(inner)));
  return [];
}

/**
 * One result Field as a SqlValue: isNull → null; booleanValue, longValue, doubleValue, stringValue
 * as they are; blobValue → Uint8Array; arrayValue → an array of these.
 * @throws {Error} for a Field with no member this SDK version knows
 */
export function fromField(field: Field): SqlValue {
  if (field.isNull) return null;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.blobValue !== undefined) return new Uint8Array(field.blobValue);
  if (field.arrayValue !== undefined) return fromArrayValue(field.arrayValue);
  if (field.isNull === false) return null;
  throw new Error(`Unexpected Data API Field with members ${Object.keys(field).join(', ') || '(none)'}`);
}

/**
 * Rows keyed by column label (`columnMetadata[i].label`, else `.name`); when two columns share a
 * label the later one wins, as with `pg`.
 */
export function toRows<R extends Row>(records: Field[][] | undefined, columns: ColumnMetadata[] | undefined): R[] {
  if (!records || records.length === 0) return [];
  const labels = (columns ?? []).map((c, i) => c.label ?? c.name ?? `column${i + 1}`);
  return records.map((record) => {
    const row: Row = {};
    record.forEach((field, i) => {
      row[labels[i] ?? `column${i + 1}`] = fromField(field);
    });
    return row as R;
  });
}

/**
 * The rows of a `formatRecordsAs: JSON` answer: `formattedRecords` is a JSON array of objects keyed by
 * column label, values as the Data API's JSON format has them (bytea as base64 text, see
 * `ExecuteOptions.formatRecordsAs`). No `formattedRecords` (a statement without a result set): no rows.
 * @throws {DriverError} `unsupported-result` when the text is not a JSON array of objects
 */
export function fromFormattedRecords<R extends Row>(formatted: string | undefined): R[] {
  if (formatted === undefined || formatted === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(formatted);
  } catch (error) {
    throw new DriverError(`formattedRecords is not JSON: ${(error as Error).message}`, 'unsupported-result');
  }
  if (!Array.isArray(parsed) || parsed.some((row) => row === null || typeof row !== 'object' || Array.isArray(row))) {
    throw new DriverError('formattedRecords is not a JSON array of objects', 'unsupported-result');
  }
  return parsed as R[];
}
