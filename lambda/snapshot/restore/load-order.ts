import type { TableName } from '../keys';
import { tableKey, type ForeignKey } from './restore-catalog';

/**
 * A set of tables loaded together: one table, or the tables of a foreign-key cycle (a table that
 * references itself is a cycle of one). `cyclicKeys` are the foreign keys inside the cycle, whose
 * checks must wait for the end of the unit (rows may reference rows loaded later).
 */
export interface LoadUnit<T extends TableName> {
  readonly tables: T[];
  readonly cyclicKeys: ForeignKey[];
}

/**
 * Orders tables so that every table comes after the tables it references ("parents before children"):
 * the strongly connected components of the graph of foreign keys among them (Tarjan's algorithm, which
 * emits a component only after every component it reaches, i.e. references), tables kept in their
 * given order within a component and among independent ones where possible. Foreign keys to or from
 * tables outside `tables` are ignored.
 */
export function loadOrder<T extends TableName>(tables: readonly T[], foreignKeys: readonly ForeignKey[]): LoadUnit<T>[] {
  const index = new Map(tables.map((t, i) => [tableKey(t), i]));
  const edges: number[][] = tables.map(() => []);
  for (const key of foreignKeys) {
    const from = index.get(tableKey(key.from));
    const to = index.get(tableKey(key.to));
    if (from !== undefined && to !== undefined) edges[from]!.push(to);
  }
  for (const list of edges) list.sort((a, b) => a - b);

  const order: number[][] = [];
  const low = new Array<number>(tables.length).fill(-1);
  const seen = new Array<number>(tables.length).fill(-1);
  const onStack = new Array<boolean>(tables.length).fill(false);
  const stack: number[] = [];
  let counter = 0;
  // Iterative Tarjan: a frame is a node and the next edge to look at.
  for (let root = 0; root < tables.length; root++) {
    if (seen[root] !== -1) continue;
    const frames: Array<{ node: number; edge: number }> = [{ node: root, edge: 0 }];
    seen[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const next = edges[frame.node]![frame.edge++];
      if (next !== undefined) {
        if (seen[next] === -1) {
          seen[next] = low[next] = counter++;
          stack.push(next);
          onStack[next] = true;
          frames.push({ node: next, edge: 0 });
        } else if (onStack[next]) {
          low[frame.node] = Math.min(low[frame.node]!, seen[next]!);
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low[parent.node] = Math.min(low[parent.node]!, low[frame.node]!);
      if (low[frame.node] === seen[frame.node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = false;
          component.push(member);
        } while (member !== frame.node);
        order.push(component.sort((a, b) => a - b));
      }
    }
  }
  return order.map((component) => {
    const members = new Set(component.map((i) => tableKey(tables[i]!)));
    return {
      tables: component.map((i) => tables[i]!),
      cyclicKeys: foreignKeys.filter((k) => members.has(tableKey(k.from)) && members.has(tableKey(k.to)) && (component.length > 1 || tableKey(k.from) === tableKey(k.to))),
    };
  });
}
