/** OrderedOutput: results of concurrent tasks written in task order, at most one page held per waiting task. */
import { describe, expect, it } from 'vitest';
import { OrderedOutput } from '../../lambda/snapshot/ordered-output';

const page = (text: string) => [Buffer.from(text)];
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('OrderedOutput', () => {
  it('writes the pages of tasks that finish out of order in task order', async () => {
    const written: string[] = [];
    const output = new OrderedOutput(async (data) => {
      await tick();
      written.push(data.toString());
    });
    // Task 2 delivers and finishes first, then task 1 (two pages), then task 0.
    await output.deliver(2, page('2a'));
    await output.finish(2);
    const one = (async () => {
      await output.deliver(1, page('1a'));
      // A second page waits for task 1's turn: task 0 is still running.
      await output.deliver(1, page('1b'));
      await output.finish(1);
    })();
    await tick();
    expect(written).toEqual([]);
    await output.deliver(0, page('0a'));
    await output.deliver(0, page('0b'));
    await output.finish(0);
    await one;
    expect(written).toEqual(['0a', '0b', '1a', '1b', '2a']);
    expect(output.written).toBe(3);
  });

  it('writes a head task at once, and a task with no page counts when it finishes', async () => {
    const written: string[] = [];
    const output = new OrderedOutput(async (data) => {
      written.push(data.toString());
    });
    await output.finish(0);
    await output.deliver(1, [Buffer.from('x'), Buffer.from('y')]);
    expect(written).toEqual(['x', 'y']);
    await output.finish(1);
    expect(output.written).toBe(2);
  });

  it('passes on a write failure to the task that delivered', async () => {
    const output = new OrderedOutput(async () => {
      throw new Error('upload failed');
    });
    await expect(output.deliver(0, page('a'))).rejects.toThrow('upload failed');
  });
});
