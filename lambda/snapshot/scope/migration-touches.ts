import { z } from 'zod';

/**
 * A relation a migration statement names as something it changes: a table, or an index or sequence
 * standing for its table (resolved against the catalog when the snapshot runs, see `affected-tables.ts`).
 * Names are as the parser returns them: unquoted names folded to lower case (PostgreSQL docs 4.1.1);
 * `schema` is absent when the statement relies on the search path.
 */
export interface TouchedRelation {
  readonly schema?: string;
  readonly name: string;
}

/**
 * What a migration's up script changes, as found at bundle time with the PostgreSQL parser
 * (`touched-relations.ts`, recorded by the compiler: `migrations/record-touches.ts`): the relations it
 * writes to or alters, or `unknown` with the reason when that cannot be known from the statements (a DO
 * block, a procedure, a function called for its effects, a schema dropped with CASCADE, a data migration).
 */
export type MigrationTouches = { readonly relations: TouchedRelation[] } | { readonly unknown: string };

/**
 * The shape of {@link MigrationTouches} in `migrations.json`, checked by `loadBundle`: either
 * `{"relations": [{"schema"?: string, "name": string}, ...]}` or `{"unknown": "<reason>"}`, names not
 * empty.
 */
export const migrationTouchesSchema: z.ZodType<MigrationTouches> = z.union([
  z.object({ relations: z.array(z.object({ schema: z.string().min(1).optional(), name: z.string().min(1) })) }),
  z.object({ unknown: z.string().min(1) }),
], { error: 'expected {"relations": [{"schema"?: <non-empty text>, "name": <non-empty text>}, ...]} or {"unknown": <the reason, non-empty text>}' });

