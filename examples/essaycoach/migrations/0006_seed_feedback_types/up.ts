/**
 * core.0007_seed_feedback_types: the four feedback types the AI system grades by (grammar 0.25,
 * structure 0.30, content 0.35, style 0.10; the weights sum to 1), all active.
 *
 * The guide creates them with `FeedbackType.objects.create`, which fails on the second run (the name is
 * unique) or, without the constraint, seeds them twice. Here one INSERT ... ON CONFLICT (name) DO
 * NOTHING: applying the migration again (after a rollback, whose reverse is a no-op, or after a crash)
 * seeds nothing new and leaves types edited since as they are.
 *
 * Reverse: `RunPython.noop`, as in the guide (see `down`).
 */
import type { DataMigrationContext } from '../../../../lambda/engine/data/data-migration';

/** The guide's `feedback_types`. */
const FEEDBACK_TYPES = [
  { name: 'grammar', description: 'Grammar and syntax corrections', weight: 0.25, isActive: true },
  { name: 'structure', description: 'Essay structure and organization', weight: 0.3, isActive: true },
  { name: 'content', description: 'Content quality and relevance', weight: 0.35, isActive: true },
  { name: 'style', description: 'Writing style and clarity', weight: 0.1, isActive: true },
] as const;

export async function up(ctx: DataMigrationContext): Promise<void> {
  const { rowsAffected } = await ctx.db.execute(
    `INSERT INTO core_feedbacktype (name, description, weight, is_active)
     SELECT t.name, t.description, t.weight, t.is_active
       FROM jsonb_to_recordset(:types::jsonb) AS t (name text, description text, weight double precision, is_active boolean)
     ON CONFLICT (name) DO NOTHING`,
    { types: JSON.stringify(FEEDBACK_TYPES.map((t) => ({ name: t.name, description: t.description, weight: t.weight, is_active: t.isActive }))) },
  );
  ctx.log.info('feedback types seeded', { inserted: rowsAffected, seeded: FEEDBACK_TYPES.length });
}

/**
 * `reverse_code=migrations.RunPython.noop`, as in the guide: reverting does nothing. The four types stay:
 * feedback written since the deploy refers to them by name, and applying the migration again does not
 * duplicate them.
 */
export async function down(ctx: DataMigrationContext): Promise<void> {
  ctx.log.info('RunPython.noop: the feedback types stay', { version: ctx.version });
}
