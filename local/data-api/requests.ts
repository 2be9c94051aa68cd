/**
 * The request bodies of the five Data API operations the local server implements, validated as
 * the service does: a missing required member or a member of the wrong type is a
 * ValidationException naming the member (see `/work/shared/data-api-reference.md`, "Wire protocol").
 */
import { invalidField, missingField, serviceError } from './service-error';

/** A Data API `Field` as JSON (exactly one member is set; `blobValue` is base64). */
export type FieldJson = Readonly<Record<string, unknown>>;

/** One `SqlParameter`: `{name, value: Field, typeHint?}`. */
export interface SqlParameterJson {
  readonly name: string;
  readonly value: FieldJson;
  readonly typeHint?: string;
}

export interface ResultSetOptions {
  /** How numeric (DECIMAL) values come back. @default 'STRING' */
  readonly decimalReturnType: 'STRING' | 'DOUBLE_OR_LONG';
  /** How integer (LONG) values come back. @default 'LONG' */
  readonly longReturnType: 'LONG' | 'STRING';
}

interface Target {
  readonly resourceArn: string;
  readonly secretArn: string;
}

export interface ExecuteStatementRequest extends Target {
  readonly sql: string;
  readonly database?: string;
  readonly parameters: SqlParameterJson[];
  readonly transactionId?: string;
  readonly includeResultMetadata: boolean;
  readonly continueAfterTimeout: boolean;
  readonly resultSetOptions: ResultSetOptions;
  readonly formatRecordsAs: 'NONE' | 'JSON';
}

export interface BatchExecuteStatementRequest extends Target {
  readonly sql: string;
  readonly database?: string;
  readonly parameterSets: SqlParameterJson[][];
  readonly transactionId?: string;
}

export interface BeginTransactionRequest extends Target {
  readonly database?: string;
}

export interface EndTransactionRequest extends Target {
  readonly transactionId: string;
}

type Body = Record<string, unknown>;

function requiredString(body: Body, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw missingField(field);
  if (typeof value !== 'string') throw invalidField(field, 'a string');
  return value;
}

function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidField(field, 'a string');
  return value;
}

function optionalBoolean(body: Body, field: string): boolean {
  const value = body[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw invalidField(field, 'a boolean');
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidField(field, `one of [${allowed.join(', ')}]`);
  }
  return value as T;
}

/**
 * The `schema` member exists in the API model but Aurora PostgreSQL does not support it: the Data API
 * rejects it with a ValidationException.
 */
function rejectSchema(body: Body): void {
  if (body.schema !== undefined && body.schema !== null) {
    throw serviceError('ValidationException', "The 'schema' parameter isn't supported.");
  }
}

function target(body: Body): Target {
  return { resourceArn: requiredString(body, 'resourceArn'), secretArn: requiredString(body, 'secretArn') };
}

function parameterList(value: unknown, field: string): SqlParameterJson[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidField(field, 'a list of SqlParameter');
  return value.map((item: unknown, index) => {
    const at = `${field}.${index + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidField(at, 'a SqlParameter object');
    const p = item as Body;
    if (p.name === undefined || p.name === null) throw missingField(`${at}.member.name`);
    if (typeof p.name !== 'string') throw invalidField(`${at}.member.name`, 'a string');
    if (p.value === undefined || p.value === null) throw missingField(`${at}.member.value`);
    if (typeof p.value !== 'object' || Array.isArray(p.value)) throw invalidField(`${at}.member.value`, 'a Field object');
    const typeHint = optionalString(p, 'typeHint');
    return { name: p.name, value: p.value as FieldJson, ...(typeHint === undefined ? {} : { typeHint }) };
  });
}

function asBody(json: unknown): Body {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw serviceError('ValidationException', 'The request body must be a JSON object.');
  }
  return json as Body;
}

/** Validates an ExecuteStatement body. @throws {ServiceError} ValidationException naming the member at fault */
export function parseExecuteStatement(json: unknown): ExecuteStatementRequest {
  const body = asBody(json);
  rejectSchema(body);
  const options = body.resultSetOptions;
  if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) {
    throw invalidField('resultSetOptions', 'a ResultSetOptions object');
  }
  const o = (options ?? {}) as Body;
  const database = optionalString(body, 'database');
  const transactionId = optionalString(body, 'transactionId');
  return {
    ...target(body),
    sql: requiredString(body, 'sql'),
    ...(database === undefined ? {} : { database }),
    ...(transactionId === undefined ? {} : { transactionId }),
    parameters: parameterList(body.parameters, 'parameters'),
    includeResultMetadata: optionalBoolean(body, 'includeResultMetadata'),
    continueAfterTimeout: optionalBoolean(body, 'continueAfterTimeout'),
    resultSetOptions: {
      decimalReturnType: oneOf(o.decimalReturnType, 'resultSetOptions.decimalReturnType', ['STRING', 'DOUBLE_OR_LONG'], 'STRING'),
      longReturnType: oneOf(o.longReturnType, 'resultSetOptions.longReturnType', ['LONG', 'STRING'], 'LONG'),
    },
    formatRecordsAs: oneOf(body.formatRecordsAs, 'formatRecordsAs', ['NONE', 'JSON'], 'NONE'),
  };
}

/** Validates a BatchExecuteStatement body. @throws {ServiceError} ValidationException naming the member at fault */
export function parseBatchExecuteStatement(json: unknown): BatchExecuteStatementRequest {
  const body = asBody(json);
  rejectSchema(body);
  const sets = body.parameterSets;
  if (sets !== undefined && sets !== null && !Array.isArray(sets)) throw invalidField('parameterSets', 'a list of parameter lists');
  const database = optionalString(body, 'database');
  const transactionId = optionalString(body, 'transactionId');
  return {
    ...target(body),
    sql: requiredString(body, 'sql'),
    ...(database === undefined ? {} : { database }),
    ...(transactionId === undefined ? {} : { transactionId }),
    parameterSets: ((sets ?? []) as unknown[]).map((set, index) => parameterList(set, `parameterSets.${index + 1}`)),
  };
}

/** Validates a BeginTransaction body. @throws {ServiceError} ValidationException naming the member at fault */
export function parseBeginTransaction(json: unknown): BeginTransactionRequest {
  const body = asBody(json);
  rejectSchema(body);
  const database = optionalString(body, 'database');
  return { ...target(body), ...(database === undefined ? {} : { database }) };
}

/** Validates a CommitTransaction or RollbackTransaction body. @throws {ServiceError} ValidationException */
export function parseEndTransaction(json: unknown): EndTransactionRequest {
  const body = asBody(json);
  return { ...target(body), transactionId: requiredString(body, 'transactionId') };
}
