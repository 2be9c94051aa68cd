/**
 * Writes the results of numbered tasks (ranges 0, 1, 2, ... of one table) to one stream in task order,
 * while the tasks run concurrently: the head task writes directly; another task's first page waits in
 * memory until its turn, and a task that has a second page to deliver waits for its turn before
 * delivering it. So memory holds at most one page per task in flight, whatever the size of a task.
 */
export class OrderedOutput {
  /** The task whose pages are written now. */
  private head = 0;
  private readonly waiting = new Map<number, { pages: Buffer[][]; done: boolean }>();
  private readonly turns = new Map<number, () => void>();
  /** Writes, one at a time. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly write: (data: Buffer) => Promise<void>) {}

  /** Tasks finished and written. */
  get written(): number {
    return this.head;
  }

  /** Delivers a page (its pieces) of task `index`, in the task's own order. */
  async deliver(index: number, data: Buffer[]): Promise<void> {
    if (index === this.head) return this.serial(data);
    const entry = this.waiting.get(index);
    if (!entry) {
      this.waiting.set(index, { pages: [data], done: false });
      return;
    }
    await new Promise<void>((resolve) => this.turns.set(index, resolve));
    await this.serial(data);
  }

  /** Task `index` has delivered all its pages. */
  async finish(index: number): Promise<void> {
    if (index !== this.head) {
      const entry = this.waiting.get(index) ?? { pages: [], done: false };
      entry.done = true;
      this.waiting.set(index, entry);
      return;
    }
    this.waiting.delete(index);
    this.head += 1;
    for (;;) {
      const entry = this.waiting.get(this.head);
      for (const page of entry?.pages ?? []) await this.serial(page);
      if (entry) entry.pages = [];
      const turn = this.turns.get(this.head);
      this.turns.delete(this.head);
      turn?.();
      if (!entry?.done) break;
      this.waiting.delete(this.head);
      this.head += 1;
    }
  }

  private serial(data: Buffer[]): Promise<void> {
    const next = this.chain.then(async () => {
      for (const chunk of data) await this.write(chunk);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}
