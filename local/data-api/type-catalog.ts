/**
 * Result column types, by pg_type OID: how the Data API returns each (its Field member) and what
 * `columnMetadata` says about it.
 *
 * The Field mapping follows `/work/shared/data-api-reference.md` ("Result mapping"): int2/int4/int8
 * (and oid) → longValue; float4/float8 → doubleValue; numeric → stringValue (or a number with
 * DOUBLE_OR_LONG); bool → booleanValue; bytea → blobValue; timestamptz → stringValue in UTC;
 * everything else → stringValue; 1-D arrays → arrayValue. uuid[] and bytea[] are refused with
 * UnsupportedResultException (ArrayValue has no member for them).
 *
 * Built-in types are listed here; other OIDs (enums, extension types, arrays of them) are read from
 * pg_type once per database and cached.
 */

/** How a scalar value is returned. */
export type ValueKind = 'long' | 'double' | 'decimal' | 'boolean' | 'blob' | 'timestamptz' | 'string';

export interface ColumnType {
  readonly oid: number;
  /** pg_type.typname, e.g. `int4`, `_text`. */
  readonly name: string;
  /** For a scalar, how it is returned; for an array, how its elements are. */
  readonly kind: ValueKind;
  /** The element type when this is an array type. */
  readonly element?: ColumnType;
  /** java.sql.Types code, as `columnMetadata.type` reports it (the service binds through JDBC). */
  readonly jdbcType: number;
}

/** java.sql.Types codes. */
const JDBC = { BIT: -7, BIGINT: -5, BINARY: -2, CHAR: 1, NUMERIC: 2, INTEGER: 4, SMALLINT: 5, REAL: 7, DOUBLE: 8, VARCHAR: 12, DATE: 91, TIME: 92, TIMESTAMP: 93, OTHER: 1111, ARRAY: 2003, SQLXML: 2009 };

/** [oid, typname, kind, JDBC type] of the built-in scalar types. */
const SCALARS: ReadonlyArray<readonly [number, string, ValueKind, number]> = [
  [16, 'bool', 'boolean', JDBC.BIT],
  [17, 'bytea', 'blob', JDBC.BINARY],
  [18, 'char', 'string', JDBC.CHAR],
  [19, 'name', 'string', JDBC.VARCHAR],
  [20, 'int8', 'long', JDBC.BIGINT],
  [21, 'int2', 'long', JDBC.SMALLINT],
  [22, 'int2vector', 'string', JDBC.OTHER],
  [23, 'int4', 'long', JDBC.INTEGER],
  [24, 'regproc', 'string', JDBC.OTHER],
  [25, 'text', 'string', JDBC.VARCHAR],
  [26, 'oid', 'long', JDBC.BIGINT],
  [28, 'xid', 'string', JDBC.OTHER],
  [30, 'oidvector', 'string', JDBC.OTHER],
  [114, 'json', 'string', JDBC.OTHER],
  [142, 'xml', 'string', JDBC.SQLXML],
  [600, 'point', 'string', JDBC.OTHER],
  [650, 'cidr', 'string', JDBC.OTHER],
  [700, 'float4', 'double', JDBC.REAL],
  [701, 'float8', 'double', JDBC.DOUBLE],
  [705, 'unknown', 'string', JDBC.VARCHAR],
  [790, 'money', 'string', JDBC.DOUBLE],
  [829, 'macaddr', 'string', JDBC.OTHER],
  [869, 'inet', 'string', JDBC.OTHER],
  [1033, 'aclitem', 'string', JDBC.OTHER],
  [1042, 'bpchar', 'string', JDBC.CHAR],
  [1043, 'varchar', 'string', JDBC.VARCHAR],
  [1082, 'date', 'string', JDBC.DATE],
  [1083, 'time', 'string', JDBC.TIME],
  [1114, 'timestamp', 'string', JDBC.TIMESTAMP],
  [1184, 'timestamptz', 'timestamptz', JDBC.TIMESTAMP],
  [1186, 'interval', 'string', JDBC.OTHER],
  [1266, 'timetz', 'string', JDBC.TIME],
  [1560, 'bit', 'string', JDBC.BIT],
  [1562, 'varbit', 'string', JDBC.OTHER],
  [1700, 'numeric', 'decimal', JDBC.NUMERIC],
  [2205, 'regclass', 'string', JDBC.OTHER],
  [2206, 'regtype', 'string', JDBC.OTHER],
  [2950, 'uuid', 'string', JDBC.OTHER],
  [3220, 'pg_lsn', 'string', JDBC.OTHER],
  [3614, 'tsvector', 'string', JDBC.OTHER],
  [3802, 'jsonb', 'string', JDBC.OTHER],
  [4089, 'regnamespace', 'string', JDBC.OTHER],
  [5069, 'xid8', 'string', JDBC.OTHER],
];

/** [array oid, element oid] of the built-in array types. */
const ARRAYS: ReadonlyArray<readonly [number, number]> = [
  [1000, 16], [1001, 17], [1002, 18], [1003, 19], [1005, 21], [1007, 23], [1009, 25], [1028, 26], [199, 114],
  [143, 142], [651, 650], [1021, 700], [1022, 701], [791, 790], [1041, 869], [1014, 1042], [1015, 1043],
  [1182, 1082], [1183, 1083], [1115, 1114], [1185, 1184], [1187, 1186], [1270, 1266], [1561, 1560],
  [1563, 1562], [1231, 1700], [2951, 2950], [3807, 3802], [1016, 20], [2211, 2205], [1034, 1033],
];

/** Element kinds ArrayValue cannot carry: the Data API refuses such arrays (uuid[] per the reference). */
const UNSUPPORTED_ARRAY_ELEMENTS: ReadonlySet<string> = new Set(['uuid', 'bytea']);

function arrayOf(oid: number, name: string, element: ColumnType): ColumnType {
  return { oid, name, kind: element.kind, element, jdbcType: JDBC.ARRAY };
}

const BUILT_IN = new Map<number, ColumnType>();
for (const [oid, name, kind, jdbcType] of SCALARS) BUILT_IN.set(oid, { oid, name, kind, jdbcType });
for (const [oid, elementOid] of ARRAYS) {
  const element = BUILT_IN.get(elementOid)!;
  BUILT_IN.set(oid, arrayOf(oid, `_${element.name}`, element));
}

/** True when the Data API cannot return values of this array type (its elements have no ArrayValue member). */
export function isUnsupportedArray(type: ColumnType): boolean {
  return type.element !== undefined && UNSUPPORTED_ARRAY_ELEMENTS.has(type.element.name);
}

/** One row of the pg_type lookup. */
interface PgTypeRow {
  oid: string;
  typname: string;
  typcategory: string;
  typelem: string;
}

/** Runs the catalog lookup: a query with one parameter (an oid[] as text), returning rows as objects. */
export type CatalogQuery = (sql: string, values: string[]) => Promise<PgTypeRow[]>;

const LOOKUP_SQL = `SELECT oid::text, typname::text, typcategory::text, typelem::text FROM pg_catalog.pg_type
  WHERE oid = ANY($1::oid[]) OR oid IN (SELECT typelem FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[]))`;

/** The column types of one database: built-ins plus what pg_type says about the others, cached. */
export class TypeCatalog {
  private readonly known = new Map<number, ColumnType>(BUILT_IN);

  /**
   * Returns the type of each OID, reading unknown ones from pg_type with `query` (on the connection
   * that ran the statement, so types created in an open transaction are found). An OID pg_type does
   * not know is returned as a string-valued type named `oid_<n>`.
   */
  async resolve(oids: readonly number[], query: CatalogQuery): Promise<ColumnType[]> {
    const missing = [...new Set(oids.filter((oid) => !this.known.has(oid)))];
    if (missing.length > 0) {
      const rows = await query(LOOKUP_SQL, [`{${missing.join(',')}}`]);
      const byOid = new Map(rows.map((row) => [Number(row.oid), row]));
      const build = (oid: number): ColumnType => {
        const cached = this.known.get(oid);
        if (cached) return cached;
        const row = byOid.get(oid);
        const type: ColumnType =
          row && row.typcategory === 'A' && row.typelem !== '0'
            ? arrayOf(oid, row.typname, build(Number(row.typelem)))
            : { oid, name: row?.typname ?? `oid_${oid}`, kind: 'string', jdbcType: JDBC.OTHER };
        if (row) this.known.set(oid, type);
        return type;
      };
      missing.forEach(build);
    }
    return oids.map((oid) => this.known.get(oid) ?? { oid, name: `oid_${oid}`, kind: 'string', jdbcType: JDBC.OTHER });
  }
}
