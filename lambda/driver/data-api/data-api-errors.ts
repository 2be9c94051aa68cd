/**
 * Maps what `@aws-sdk/client-rds-data` throws to the driver contract's errors (`../errors.ts`), by
 * the Data API error name (the `x-amzn-ErrorType` the SDK turns into the exception's `name`; see
 * `/work/shared/data-api-reference.md`, "Errors").
 */
import { DatabaseError, DriverError, type DriverErrorKind } from '../errors';

/** Error names and the DriverError kind each maps to (DatabaseErrorException is handled apart). */
const KIND_BY_NAME: Readonly<Record<string, DriverErrorKind>> = {
  DatabaseResumingException: 'resuming',
  DatabaseUnavailableException: 'unavailable',
  InternalServerErrorException: 'unavailable',
  ServiceUnavailableError: 'unavailable',
  ServiceUnavailableException: 'unavailable',
  ThrottlingException: 'unavailable',
  TooManyRequestsException: 'unavailable',
  // The cluster has no writer instance (failover, scaling): it comes back.
  DatabaseNotFoundException: 'unavailable',
  InvalidResourceStateException: 'unavailable',
  StatementTimeoutException: 'statement-timeout',
  TransactionNotFoundException: 'transaction-not-found',
  ValidationException: 'invalid-request',
  BadRequestException: 'invalid-request',
  HttpEndpointNotEnabledException: 'invalid-request',
  NotFoundException: 'invalid-request',
  UnsupportedResultException: 'unsupported-result',
  AccessDeniedException: 'access-denied',
  ForbiddenException: 'access-denied',
  InvalidSecretException: 'access-denied',
  SecretsErrorException: 'access-denied',
  UnrecognizedClientException: 'access-denied',
  ExpiredTokenException: 'access-denied',
};

/** Node and SDK transport failures: the request may not have reached the service, or its answer was lost. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
]);
const NETWORK_NAMES: ReadonlySet<string> = new Set(['TimeoutError', 'RequestTimeout', 'NetworkingError']);

/** The parts of a Data API SQL error message. */
export interface DatabaseErrorParts {
  /** PostgreSQL's message, without the `ERROR: ` severity prefix. */
  readonly message: string;
  readonly sqlState?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: number;
}

/**
 * Splits a Data API SQL error message,
 * `ERROR: <message>[; Detail: ...][; Hint: ...][; Position: N]; SQLState: XXXXX`, into its parts.
 * Parts it does not find are undefined; a message without that shape is returned whole.
 */
export function parseDatabaseErrorMessage(text: string): DatabaseErrorParts {
  let rest = text;
  const take = (pattern: RegExp): string | undefined => {
    const m = pattern.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(0, m.index);
    return m[1];
  };
  const sqlState = take(/; SQLState: ([0-9A-Z]{5})\s*$/);
  const position = take(/; Position: (\d+)$/);
  const section = (label: string): string | undefined => {
    const at = rest.lastIndexOf(`; ${label}: `);
    if (at === -1) return undefined;
    const value = rest.slice(at + label.length + 4);
    rest = rest.slice(0, at);
    return value;
  };
  const hint = section('Hint');
  const detail = section('Detail');
  const message = rest.replace(/^(ERROR|FATAL|PANIC|WARNING): /, '');
  return {
    message,
    ...(sqlState ? { sqlState } : {}),
    ...(detail !== undefined ? { detail } : {}),
    ...(hint !== undefined ? { hint } : {}),
    ...(position ? { position: Number(position) } : {}),
  };
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps an error thrown by the Data API client:
 * - DatabaseErrorException (and the deprecated BadRequestException) with a SQLState →
 *   `DatabaseError` with sqlState, detail, hint and position parsed from the message;
 * - "Transaction is still running a query" → DriverError `busy`;
 * - the response or row size limit ("Database returned more than the allowed response size limit",
 *   "Packet for query is too large"), whichever exception carries it → `unsupported-result`;
 * - the other names by {@link KIND_BY_NAME}; any other 5xx or 429 → `unavailable`;
 * - network failures (ECONNRESET, ECONNREFUSED, timeouts, ...) → `unavailable`.
 * Anything else (including errors already mapped) is returned unchanged.
 */
export function fromDataApiError(error: unknown): Error {
  if (error instanceof DatabaseError || error instanceof DriverError) return error;
  if (!(error instanceof Error)) return new Error(String(error));
  const e = error as Error & SdkErrorShape;
  const name = e.name ?? 'Error';
  const message = e.message ?? '';
  const driverError = (kind: DriverErrorKind): DriverError => new DriverError(`${name}: ${message}`, kind, name, { cause: error });

  // Service messages, not SQL errors (those end with a SQLState).
  const sqlError = /SQLState: [0-9A-Z]{5}\s*$/.test(message);
  if (!sqlError && /still running a query/i.test(message)) return driverError('busy');
  if (!sqlError && /response size limit|Packet for query is too large/i.test(message)) return driverError('unsupported-result');
  if (name === 'DatabaseErrorException' || (name === 'BadRequestException' && sqlError)) {
    const parts = parseDatabaseErrorMessage(message);
    return new DatabaseError(parts.message, parts.sqlState, parts.detail, parts.hint, parts.position);
  }
  if (name === 'BadRequestException' && /Transaction .* is not found/i.test(message)) return driverError('transaction-not-found');
  const kind = KIND_BY_NAME[name];
  if (kind) return driverError(kind);
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return driverError('unavailable');
  const code = typeof e.code === 'string' ? e.code : undefined;
  if ((code && NETWORK_CODES.has(code)) || NETWORK_NAMES.has(name) || /socket hang up/i.test(message)) {
    return new DriverError(`${code ?? name}: ${message}`, 'unavailable', code ?? name, { cause: error });
  }
  return error;
}
