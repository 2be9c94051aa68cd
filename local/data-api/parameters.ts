/**
 * Binds Data API parameters (`:name` in the SQL, `{name, value: Field, typeHint?}` in the request) to
 * PostgreSQL's positional `$n` parameters, each with the type the Data API declares for it.
 *
 * Like the real service (which binds through JDBC), every parameter has a declared type rather than
 * letting PostgreSQL infer one: stringValue is `varchar`, longValue `int8`, doubleValue `float8`,
 * booleanValue `bool`, blobValue `bytea`; a typeHint on a stringValue declares DATE `date`, TIME
 * `time`, TIMESTAMP `timestamp`, DECIMAL `numeric`, JSON `json`, UUID `uuid`; isNull is left
 * unspecified so it fits any column. So `WHERE id = :id` against a uuid column fails without the UUID
 * hint or an explicit `::uuid` cast, exactly as it does on AWS.
 */
import { toPositional } from '../../lambda/driver/named-parameters';
import type { FieldJson, SqlParameterJson } from './requests';
import { invalidField, serviceError } from './service-error';

/** A statement ready for `pg`: positional text, values, and the declared parameter type OIDs. */
export interface BoundStatement {
  readonly text: string;
  readonly values: (string | Buffer | null)[];
  /** pg_type OIDs of `$1..$n` (0 = unspecified). */
  readonly types: number[];
}

/** OIDs of the declared types (pg_type.oid of the built-in types). */
const OID = { unspecified: 0, bool: 16, bytea: 17, int8: 20, json: 114, float8: 701, varchar: 1043, date: 1082, time: 1083, timestamp: 1114, numeric: 1700, uuid: 2950 };

/** The Data API typeHints and the PostgreSQL type each declares. */
const TYPE_HINTS: Readonly<Record<string, number>> = {
  DATE: OID.date,
  TIME: OID.time,
  TIMESTAMP: OID.timestamp,
  DECIMAL: OID.numeric,
  JSON: OID.json,
  UUID: OID.uuid,
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bindField(field: FieldJson, typeHint: string | undefined, at: string): { value: string | Buffer | null; type: number } {
  const members = Object.keys(field).filter((key) => field[key] !== undefined && field[key] !== null);
  if (members.length !== 1) {
    throw serviceError('ValidationException', `Parameter ${at} must set exactly one member of Field, got ${members.length === 0 ? 'none' : members.join(', ')}.`);
  }
  const member = members[0]!;
  const value = field[member];
  switch (member) {
    case 'isNull':
      if (value !== true) throw invalidField(`${at}.isNull`, 'true when set');
      return { value: null, type: OID.unspecified };
    case 'booleanValue':
      if (typeof value !== 'boolean') throw invalidField(`${at}.booleanValue`, 'a boolean');
      return { value: value ? 't' : 'f', type: OID.bool };
    case 'longValue':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidField(`${at}.longValue`, 'an integer');
      return { value: BigInt(value).toString(), type: OID.int8 };
    case 'doubleValue':
      if (typeof value !== 'number') throw invalidField(`${at}.doubleValue`, 'a number');
      return { value: String(value), type: OID.float8 };
    case 'stringValue': {
      if (typeof value !== 'string') throw invalidField(`${at}.stringValue`, 'a string');
      if (typeHint === undefined) return { value, type: OID.varchar };
      const type = TYPE_HINTS[typeHint];
      if (type === undefined) throw invalidField(`${at}.typeHint`, `one of [${Object.keys(TYPE_HINTS).join(', ')}]`);
      return { value, type };
    }
    case 'blobValue':
      if (typeof value !== 'string' || !BASE64.test(value)) throw invalidField(`${at}.blobValue`, 'base64 text');
      return { value: Buffer.from(value, 'base64'), type: OID.bytea };
    case 'arrayValue':
      throw serviceError('ValidationException', `Array parameters are not supported (parameter ${at}).`);
    default:
      throw serviceError('ValidationException', `Parameter ${at} has an unknown Field member '${member}'.`);
  }
}

/**
 * Rewrites `:name` to `$n` (with `toPositional`, which skips literals, comments and `::` casts) and
 * binds each referenced name to its parameter. Parameters the SQL does not reference are ignored.
 * @param field the request member the parameters came from, for messages (`parameters`, `parameterSets.2`)
 * @throws {ServiceError} ValidationException for a duplicate name, an invalid Field or an array
 *   parameter; DatabaseErrorException (SQLSTATE 22023, as JDBC reports it) when the SQL references a
 *   name no parameter supplies
 */
export function bindParameters(sql: string, parameters: readonly SqlParameterJson[], field = 'parameters'): BoundStatement {
  const byName = new Map<string, { parameter: SqlParameterJson; at: string }>();
  parameters.forEach((parameter, index) => {
    const at = `${field}.${index + 1} (:${parameter.name})`;
    if (byName.has(parameter.name)) throw serviceError('ValidationException', `Parameter :${parameter.name} is given more than once in ${field}.`);
    byName.set(parameter.name, { parameter, at });
  });
  const { text, names } = toPositional(sql);
  const values: (string | Buffer | null)[] = [];
  const types: number[] = [];
  for (const name of names) {
    const entry = byName.get(name);
    if (!entry) {
      throw serviceError('DatabaseErrorException', `ERROR: No value specified for parameter :${name}; SQLState: 22023`);
    }
    const bound = bindField(entry.parameter.value, entry.parameter.typeHint, entry.at);
    values.push(bound.value);
    types.push(bound.type);
  }
  return { text, values, types };
}
