/**
 * Writes the results of numbered tasks (ranges 0, 1, 2, ... of one table) to one stream in task order,
 * while the tasks run concurrently: the head task writes directly; another task's first page waits in
 * memory until its turn, and a task that has a second page to deliver waits for its turn before
 * delivering it. A task may start only once it is within `window` tasks of the head (`admit`), so tasks
 * that finish early cannot pile up behind a slow head or a slow writer: memory holds at most one page
 * per task within the window, whatever the size of a task or of the table.
 */
export class OrderedOutput {
  /** The task whose pages are written now. */
  private head = 0;
  private readonly waiting = new Map<number, { pages: Buffer[][]; done: boolean }>();
  private readonly turns = new Map<number, () => void>();
  /** Tasks waiting to be admitted, by index. */
  private readonly admissions = new Map<number, () => void>();
  private cancelled = false;
  /** Writes, one at a time. */
  private chain: Promise<void> = Promise.resolve();

  /**
   * @param write writes one chunk, resolving once it may take the next (back-pressure)
   * @param window tasks admitted at once, counted from the head (at least 1). @default Infinity
   * @throws {Error} when `window` is not at least 1
   */
  constructor(
    private readonly write: (data: Buffer) => Promise<void>,
    private readonly window = Infinity,
  ) {
    if (!(window >= 1)) throw new Error(`OrderedOutput: window ${window} must be at least 1`);
  }

  /** Tasks finished and written. */
  get written(): number {
    return this.head;
  }

  /**
   * Resolves once task `index` may start: when it is fewer than `window` tasks after the head, or once
   * `cancel` was called (the caller then checks why it was woken).
   */
  admit(index: number): Promise<void> {
    if (this.cancelled || index < this.head + this.window) return Promise.resolve();
    return new Promise<void>((resolve) => this.admissions.set(index, resolve));
  }

  /** Wakes every task waiting in `admit` or for its turn, e.g. after a failure elsewhere stopped the head. */
  cancel(): void {
    this.cancelled = true;
    for (const wake of [...this.admissions.values(), ...this.turns.values()]) wake();
    this.admissions.clear();
    this.turns.clear();
  }

  /** Delivers a page (its pieces) of task `index`, in the task's own order. */
  async deliver(index: number, data: Buffer[]): Promise<void> {
    if (index === this.head) return this.serial(data);
    const entry = this.waiting.get(index);
    if (!entry) {
      this.waiting.set(index, { pages: [data], done: false });
      return;
    }
    if (this.cancelled) throw new Error(`OrderedOutput: task ${index} delivered after the output was cancelled`);
    await new Promise<void>((resolve) => this.turns.set(index, resolve));
    if (this.cancelled) throw new Error(`OrderedOutput: task ${index} stopped: the output was cancelled`);
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
    this.advance();
    for (;;) {
      const entry = this.waiting.get(this.head);
      for (const page of entry?.pages ?? []) await this.serial(page);
      if (entry) entry.pages = [];
      const turn = this.turns.get(this.head);
      this.turns.delete(this.head);
      turn?.();
      if (!entry?.done) break;
      this.waiting.delete(this.head);
      this.advance();
    }
  }

  /** Moves the head on by one and admits the task that enters the window. */
  private advance(): void {
    this.head += 1;
    const entering = this.head + this.window - 1;
    const wake = this.admissions.get(entering);
    if (wake) {
      this.admissions.delete(entering);
      wake();
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
