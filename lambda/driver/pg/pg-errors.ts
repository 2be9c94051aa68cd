import { DatabaseError, DriverError } from '../errors';

interface PgErrorShape {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND']);

/** Maps an error thrown by `pg` to the driver contract's DatabaseError or DriverError. */
export function fromPgError(error: unknown): Error {
  if (error instanceof DatabaseError || error instanceof DriverError) return error;
  const e = error as PgErrorShape & { code?: string };
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    return new DatabaseError(e.message, e.code, e.detail, e.hint, e.position ? Number(e.position) : undefined);
  }
  if (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code)) {
    return new DriverError(e.message, 'unavailable', e.code, { cause: error });
  }
  if (e instanceof Error && /Connection terminated|connection.*(ended|closed)/i.test(e.message)) {
    return new DriverError(e.message, 'unavailable', 'ConnectionTerminated', { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
