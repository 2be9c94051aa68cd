import type { Driver, Executor, QueryResult, Row, SqlParams, ExecuteOptions } from '../../../lambda/driver/driver';

/** What PostgreSQL did for one page statement, read from its `EXPLAIN (ANALYZE, VERBOSE)`. */
export interface RenderedPage {
  /** Rows rendered as lines: actual rows times loops of the plan nodes that compute a row's line ({@link RENDERING}). */
  readonly rendered: number;
  /** Rows read by the table scans of the statement (TID range, TID, sequential and index scans), those their filters removed included. */
  readonly scanned: number;
}

interface PlanNode {
  'Node Type': string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Output?: string[];
  Plans?: PlanNode[];
}

/**
 * A row's line being computed, in a statement's SQL and in the output of a plan node (`page-query.ts`,
 * `lineSource`): `row_to_json` for JSON lines; for record lines `convert_to(ROW(t."c1", ...)::text, 'UTF8')`,
 * shown in a plan as `convert_to((ROW(t.c1, ...))::text, 'UTF8'::name)`.
 */
export const RENDERING = /row_to_json|convert_to\(\(?ROW\(/;

const SCANS = new Set(['Tid Range Scan', 'Tid Scan', 'Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan']);

/** Actual rows of every node of `node` (rows times loops). */
const actual = (node: PlanNode) => (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1);

/**
 * Counts, in a plan of `EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON)`, the rows rendered as lines ({@link RENDERING}:
 * the deepest nodes whose output holds it compute it, an aggregate over its input rows; their parents
 * pass it on) and the rows scanned.
 */
export function countPlan(node: PlanNode): RenderedPage {
  const renders = (n: PlanNode): boolean => (n.Output ?? []).some((o) => RENDERING.test(o));
  const walk = (n: PlanNode): { rendered: number; scanned: number; renders: boolean } => {
    let rendered = 0;
    // A scan reads the rows its filter removes too (per loop, as the actual rows).
    let scanned = SCANS.has(n['Node Type']) ? actual(n) + (n['Rows Removed by Filter'] ?? 0) * (n['Actual Loops'] ?? 1) : 0;
    let childRenders = false;
    for (const child of n.Plans ?? []) {
      const c = walk(child);
      rendered += c.rendered;
      scanned += c.scanned;
      childRenders ||= c.renders;
    }
    const self = renders(n);
    // An aggregate renders its input rows (`string_agg(convert_to(row_to_json(...)))`), one output row.
    if (self && !childRenders) rendered += n['Node Type'] === 'Aggregate' ? actual(n.Plans![0]!) : actual(n);
    return { rendered, scanned, renders: self || childRenders };
  };
  const { rendered, scanned } = walk(node);
  return { rendered, scanned };
}

/**
 * A driver that runs every page statement of an export (a statement rendering lines, {@link RENDERING}) twice in
 * the same transaction: first under `EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON)` to count what PostgreSQL
 * rendered and scanned for it (`pages`, in order), then as asked. Only for measuring: it doubles the work.
 */
export function countingRenderedRows(driver: Driver): Driver & { readonly pages: RenderedPage[] } {
  const pages: RenderedPage[] = [];
  const wrap = <T extends Executor>(executor: T): T =>
    Object.assign(Object.create(executor) as T, {
      async execute<R extends Row>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<QueryResult<R>> {
        if (RENDERING.test(sql) && /^\s*(WITH|SELECT)/i.test(sql)) {
          if (options?.after) await options.after.catch(() => undefined);
          const { rows } = await executor.execute<Row>(`EXPLAIN (ANALYZE, VERBOSE, TIMING OFF, FORMAT JSON) ${sql}`, params);
          const raw = Object.values(rows[0] ?? {})[0];
          const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
          pages.push(countPlan(plan[0]!.Plan));
        }
        return executor.execute<R>(sql, params, options);
      },
    });
  const counted = wrap(driver) as Driver & { pages: RenderedPage[] };
  counted.beginTransaction = async () => wrap(await driver.beginTransaction());
  counted.pages = pages;
  return counted;
}
