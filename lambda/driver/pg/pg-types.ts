import pg from 'pg';
import type { SqlValue } from '../driver';

/**
 * Type parsers that make `pg` results look like the Data API's Field mapping (see `SqlValue`):
 * integers and floats become numbers, bool a boolean, bytea a Uint8Array, 1-D arrays arrays, and every
 * other type the text PostgreSQL prints. int8 values beyond 2^53 lose precision exactly as the Data
 * API's longValue does in JavaScript.
 */
const NUMBER_OIDS = [20, 21, 23, 26, 700, 701];
const NUMBER_ARRAY_OIDS = [1016, 1005, 1007, 1028, 1021, 1022];
const BOOL_ARRAY_OID = 1000;
const BYTEA_OID = 17;

const raw = (value: string): string => value;

function parseArray(value: string, element: (text: string) => SqlValue): SqlValue[] {
  const textParser = pg.types.getTypeParser(1009 as Parameters<typeof pg.types.getTypeParser>[0], 'text') as (text: string) => (string | null)[];
  return textParser(value).map((item) => (item === null ? null : element(item)));
}

export function dataApiTypeParser(oid: number, format: 'text' | 'binary' = 'text'): (value: string) => unknown {
  if (format !== 'text') return pg.types.getTypeParser(oid, format);
  if (NUMBER_OIDS.includes(oid)) return Number;
  if (NUMBER_ARRAY_OIDS.includes(oid)) return (value) => parseArray(value, Number);
  if (oid === 16) return (value) => value === 't';
  if (oid === BOOL_ARRAY_OID) return (value) => parseArray(value, (v) => v === 't');
  if (oid === BYTEA_OID) {
    const parseBytea = pg.types.getTypeParser(BYTEA_OID, 'text') as (text: string) => Buffer;
    return (value) => new Uint8Array(parseBytea(value));
  }
  // Other arrays (text[], numeric[], timestamp[], ...) as arrays of strings; scalars as text.
  if (ARRAY_OIDS.has(oid)) return (value) => parseArray(value, raw);
  return raw;
}

/** Array type OIDs of the built-in types (pg_type.typarray of the common scalars). */
const ARRAY_OIDS = new Set([
  1000, 1001, 1002, 1003, 1005, 1007, 1009, 1014, 1015, 1016, 1021, 1022, 1028, 1040, 1041, 1115, 1182, 1183,
  1185, 1187, 1231, 1270, 199, 2951, 3807, 651,
]);

export const dataApiTypes = { getTypeParser: dataApiTypeParser } as unknown as pg.CustomTypesConfig;
