import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, CreateStmt, Node, RenameStmt } from 'libpg-query';
import { RelationMap, RelationSet, relationOf, type RelationRef } from './relation-name';
import { typeSpecOf, type TypeSpec } from './type-spec';

/**
 * What the linter has learned from the statements read so far: the context squawk lacks.
 *
 * - {@link SchemaKnowledge} lives for a whole lint run (all migrations, in order): column types
 *   (to tell whether a type change rewrites) and named constraints (to tell whether a validated
 *   `col IS NOT NULL` check lets SET NOT NULL skip its scan). It may be seeded from the database.
 * - {@link MigrationState} lives for one migration: the tables and indexes it creates itself (new,
 *   hence empty, so building an index on them locks nothing that matters), and the constraints it
 *   added NOT VALID.
 */
export class SchemaKnowledge {
  private readonly columns = new RelationMap<Map<string, TypeSpec>>();
  private readonly checks = new RelationMap<Map<string, { readonly notNullColumn?: string }>>();
  private readonly provenNotNull = new RelationMap<Set<string>>();

  /** The column's type, when a statement or the database told us. */
  columnType(table: RelationRef, column: string): TypeSpec | undefined {
    return this.columns.get(table)?.get(column);
  }

  setColumnType(table: RelationRef, column: string, type: TypeSpec): void {
    const columns = this.columns.get(table) ?? new Map<string, TypeSpec>();
    columns.set(column, type);
    this.columns.set(table, columns);
  }

  forgetColumn(table: RelationRef, column: string): void {
    this.columns.get(table)?.delete(column);
  }

  /** A constraint seen being added: `notNullColumn` when it is a CHECK that is exactly `col IS NOT NULL`. */
  constraint(table: RelationRef, name: string): { readonly notNullColumn?: string } | undefined {
    return this.checks.get(table)?.get(name);
  }

  addConstraint(table: RelationRef, name: string, notNullColumn: string | undefined): void {
    const checks = this.checks.get(table) ?? new Map<string, { readonly notNullColumn?: string }>();
    checks.set(name, notNullColumn === undefined ? {} : { notNullColumn });
    this.checks.set(table, checks);
  }

  /** True when a validated `col IS NOT NULL` check exists, so SET NOT NULL skips the scan (PostgreSQL 12+). */
  isProvenNotNull(table: RelationRef, column: string): boolean {
    return this.provenNotNull.get(table)?.has(column) ?? false;
  }

  proveNotNull(table: RelationRef, column: string): void {
    const columns = this.provenNotNull.get(table) ?? new Set<string>();
    columns.add(column);
    this.provenNotNull.set(table, columns);
  }
}

export class MigrationState {
  readonly createdTables: RelationSet;
  readonly createdIndexes = new RelationSet();
  /** Constraint names added NOT VALID in this migration, per table. */
  private readonly notValid = new RelationMap<Set<string>>();
  /** Tables where this migration validated a constraint whose definition is unknown (trusted to prove NOT NULL). */
  readonly validatedUnknownCheck = new RelationSet();

  constructor(
    /** True when the runner wraps the migration in one transaction. */
    readonly transactional: boolean,
    createdTables: Iterable<RelationRef> = [],
    /** For a non-transactional migration: the command that makes it so (`CREATE INDEX CONCURRENTLY at line 3`). */
    readonly nonTransactionalCause?: string,
  ) {
    this.createdTables = new RelationSet(createdTables);
  }

  /** True when the relation was created earlier in this migration. */
  isNewTable(table: RelationRef | undefined): boolean {
    return table !== undefined && this.createdTables.has(table);
  }

  wasAddedNotValid(table: RelationRef, constraint: string): boolean {
    return this.notValid.get(table)?.has(constraint) ?? false;
  }

  addedNotValid(table: RelationRef, constraint: string): void {
    const names = this.notValid.get(table) ?? new Set<string>();
    names.add(constraint);
    this.notValid.set(table, names);
  }
}

/** The column a CHECK expression is exactly `col IS NOT NULL` about, if it is. */
export function notNullCheckColumn(expression: Node | undefined): string | undefined {
  const test = (expression as { NullTest?: { nulltesttype?: string; arg?: Node } } | undefined)?.NullTest;
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = (test.arg as { ColumnRef?: { fields?: Node[] } } | undefined)?.ColumnRef?.fields ?? [];
  if (fields.length !== 1) return undefined;
  return (fields[0] as { String?: { sval?: string } }).String?.sval;
}

function learnConstraint(table: RelationRef, constraint: Constraint, knowledge: SchemaKnowledge, state: MigrationState): void {
  const column = constraint.contype === 'CONSTR_CHECK' ? notNullCheckColumn(constraint.raw_expr) : undefined;
  if (constraint.conname) {
    knowledge.addConstraint(table, constraint.conname, column);
    if (constraint.skip_validation) state.addedNotValid(table, constraint.conname);
  }
  if (column !== undefined && !constraint.skip_validation) knowledge.proveNotNull(table, column);
}

function learnColumn(table: RelationRef, column: ColumnDef, knowledge: SchemaKnowledge): void {
  const type = typeSpecOf(column.typeName);
  if (column.colname && type) knowledge.setColumnType(table, column.colname, type);
}

function learnAlterCommand(table: RelationRef, cmd: AlterTableCmd, knowledge: SchemaKnowledge, state: MigrationState): void {
  const def = cmd.def as { ColumnDef?: ColumnDef; Constraint?: Constraint } | undefined;
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      if (def?.ColumnDef) learnColumn(table, def.ColumnDef, knowledge);
      break;
    case 'AT_AlterColumnType': {
      const type = typeSpecOf(def?.ColumnDef?.typeName);
      if (cmd.name && type) knowledge.setColumnType(table, cmd.name, type);
      break;
    }
    case 'AT_DropColumn':
      if (cmd.name) knowledge.forgetColumn(table, cmd.name);
      break;
    case 'AT_AddConstraint':
      if (def?.Constraint) learnConstraint(table, def.Constraint, knowledge, state);
      break;
    case 'AT_ValidateConstraint': {
      if (!cmd.name) break;
      const check = knowledge.constraint(table, cmd.name);
      if (check?.notNullColumn !== undefined) knowledge.proveNotNull(table, check.notNullColumn);
      else if (check === undefined) state.validatedUnknownCheck.add(table);
      break;
    }
    default:
      break;
  }
}

/** Updates the knowledge and the migration state with what a statement creates or changes. */
export function learnFromStatement(node: Node, knowledge: SchemaKnowledge, state: MigrationState): void {
  const n = node as {
    CreateStmt?: CreateStmt;
    CreateTableAsStmt?: { into?: { rel?: Parameters<typeof relationOf>[0] } };
    IndexStmt?: { idxname?: string; relation?: Parameters<typeof relationOf>[0] };
    AlterTableStmt?: AlterTableStmt;
    RenameStmt?: RenameStmt;
  };
  if (n.CreateStmt) {
    const table = relationOf(n.CreateStmt.relation);
    if (!table) return;
    state.createdTables.add(table);
    for (const element of n.CreateStmt.tableElts ?? []) {
      const e = element as { ColumnDef?: ColumnDef; Constraint?: Constraint };
      if (e.ColumnDef) learnColumn(table, e.ColumnDef, knowledge);
      if (e.Constraint) learnConstraint(table, e.Constraint, knowledge, state);
    }
  } else if (n.CreateTableAsStmt) {
    const table = relationOf(n.CreateTableAsStmt.into?.rel);
    if (table) state.createdTables.add(table);
  } else if (n.IndexStmt?.idxname) {
    const table = relationOf(n.IndexStmt.relation);
    state.createdIndexes.add(table?.schema ? { schema: table.schema, name: n.IndexStmt.idxname } : { name: n.IndexStmt.idxname });
  } else if (n.AlterTableStmt) {
    const table = relationOf(n.AlterTableStmt.relation);
    if (!table) return;
    for (const cmd of n.AlterTableStmt.cmds ?? []) {
      const c = (cmd as { AlterTableCmd?: AlterTableCmd }).AlterTableCmd;
      if (c) learnAlterCommand(table, c, knowledge, state);
    }
  } else if (n.RenameStmt) {
    const table = relationOf(n.RenameStmt.relation);
    const { renameType, subname, newname } = n.RenameStmt;
    if (!table || !newname) return;
    if (renameType === 'OBJECT_TABLE' && state.isNewTable(table)) {
      state.createdTables.add(table.schema ? { schema: table.schema, name: newname } : { name: newname });
    } else if (renameType === 'OBJECT_COLUMN' && subname) {
      const type = knowledge.columnType(table, subname);
      knowledge.forgetColumn(table, subname);
      if (type) knowledge.setColumnType(table, newname, type);
    }
  }
}
