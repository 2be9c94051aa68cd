/**
 * Errors the local Data API returns, shaped as the real service returns them (see
 * `/work/shared/data-api-reference.md`, "Errors"): an HTTP status, the error name in the
 * `x-amzn-ErrorType` header and a JSON body `{"message": "..."}`. `@aws-sdk/client-rds-data` maps the
 * name to its exception class (`DatabaseErrorException`, ...); names it has no class for (such as
 * `ValidationException`) surface as `RDSDataServiceException` with that `name`.
 */

/** Error names the local server produces, with the status AWS uses for each. */
export const SERVICE_ERROR_STATUS = {
  DatabaseErrorException: 400,
  StatementTimeoutException: 400,
  TransactionNotFoundException: 404,
  UnsupportedResultException: 400,
  DatabaseResumingException: 400,
  DatabaseUnavailableException: 504,
  ValidationException: 400,
  AccessDeniedException: 403,
  ForbiddenException: 403,
  InternalServerErrorException: 500,
  ServiceUnavailableError: 503,
  UnknownOperationException: 404,
} as const;

export type ServiceErrorName = keyof typeof SERVICE_ERROR_STATUS;

/** A failure to report to the client as a Data API error response. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    /** The `x-amzn-ErrorType` value, e.g. `DatabaseErrorException`. */
    readonly errorType: string,
    /** HTTP status code. */
    readonly status: number,
    message: string,
    /** Extra members of the error body (StatementTimeoutException carries `dbConnectionId`). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  /** The JSON body AWS sends: `{"message": ..., ...extra}`. */
  body(): Record<string, unknown> {
    return { message: this.message, ...this.extra };
  }
}

/** Builds a ServiceError with the status AWS uses for `name`. */
export function serviceError(name: ServiceErrorName, message: string, extra?: Record<string, unknown>): ServiceError {
  return new ServiceError(name, SERVICE_ERROR_STATUS[name], message, extra);
}

/**
 * The ValidationException AWS returns for a missing required member, in the standard AWS wording:
 * `1 validation error detected: Value null at 'sql' failed to satisfy constraint: Member must not be null`.
 */
export function missingField(field: string): ServiceError {
  return serviceError(
    'ValidationException',
    `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
  );
}

/** A ValidationException for a member of the wrong JSON type or shape, naming the member. */
export function invalidField(field: string, expected: string): ServiceError {
  return serviceError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must be ${expected}`,
  );
}

/** The fields of a PostgreSQL error the Data API message carries (a `pg` DatabaseError has them all). */
export interface PostgresErrorFields {
  readonly message: string;
  readonly severity?: string;
  readonly code?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: string;
}

/** True for an error PostgreSQL sent (it carries a five-character SQLSTATE). */
export function isPostgresError(error: unknown): error is PostgresErrorFields {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Formats a PostgreSQL error as the Data API does:
 * `ERROR: <message>[; Detail: ...][; Hint: ...][; Position: N]; SQLState: XXXXX`.
 */
export function databaseErrorMessage(error: PostgresErrorFields): string {
  let text = `${error.severity ?? 'ERROR'}: ${error.message}`;
  if (error.detail) text += `; Detail: ${error.detail}`;
  if (error.hint) text += `; Hint: ${error.hint}`;
  if (error.position) text += `; Position: ${error.position}`;
  return `${text}; SQLState: ${error.code ?? 'XX000'}`;
}

/** A DatabaseErrorException for a PostgreSQL error. */
export function databaseError(error: PostgresErrorFields): ServiceError {
  return serviceError('DatabaseErrorException', databaseErrorMessage(error));
}
