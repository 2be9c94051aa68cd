import { z } from 'zod';

/**
 * A migration version as written in a folder or file name: digit groups separated by dots
 * (`0022`, `1.2.1`). Anything else (quotes, spaces, SQL) is refused before it can reach a statement.
 */
export const versionSchema = z
  .string()
  .max(64, 'a version has at most 64 characters')
  .regex(/^[0-9]+(\.[0-9]+)*$/, 'a version is digits with optional dots, e.g. "0022" or "1.2.1"');
