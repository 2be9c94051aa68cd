import type { IConstruct } from 'constructs';

/**
 * Thrown by `DatabaseMigrations` when a prop is invalid or the migrations folder does not compile.
 * Thrown from the constructor, so it fails `cdk synth` (and `new DatabaseMigrations(...)` in a test)
 * before anything is deployed.
 *
 * The message names the construct path and the prop at fault, e.g.
 * `DatabaseMigrations Stack/Migrations: prop "databaseName" must not be empty`.
 */
export class DatabaseMigrationsError extends Error {
  override readonly name = 'DatabaseMigrationsError';

  /**
   * @param prop the prop at fault (e.g. `migrationsDirectory`), as the user wrote it in the props
   * @param problem what is wrong with it, as a sentence fragment after the prop name
   * @param scope the construct whose path prefixes the message
   */
  constructor(
    readonly prop: string,
    problem: string,
    scope: IConstruct,
  ) {
    super(`DatabaseMigrations ${scope.node.path}: prop "${prop}" ${problem}`);
  }
}
