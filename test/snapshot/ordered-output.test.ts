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

  it('admits a task only within the window of the head, so finished tasks cannot pile up', async () => {
    const written: string[] = [];
    const output = new OrderedOutput(async (data) => {
      written.push(data.toString());
    }, 2);
    await output.admit(0);
    await output.admit(1);
    let admitted2 = false;
    const two = output.admit(2).then(() => {
      admitted2 = true;
    });
    // Task 1 finishes first: its page waits; task 2 still may not start (the head, task 0, is running).
    await output.deliver(1, page('1'));
    await output.finish(1);
    await tick();
    expect(admitted2).toBe(false);
    await output.deliver(0, page('0'));
    await output.finish(0);
    await two;
    expect(admitted2).toBe(true);
    expect(written).toEqual(['0', '1']);
    // The head is now 2: tasks 2 and 3 are within the window, 4 is not.
    let admitted4 = false;
    void output.admit(4).then(() => {
      admitted4 = true;
    });
    await output.admit(3);
    await tick();
    expect(admitted4).toBe(false);
  });

  it('cancel wakes tasks waiting for admission or for their turn, and their next delivery fails', async () => {
    const output = new OrderedOutput(async () => undefined, 1);
    const admission = output.admit(1);
    await output.deliver(2, page('2a'));
    const second = output.deliver(2, page('2b'));
    output.cancel();
    await admission;
    await expect(second).rejects.toThrow('cancelled');
    await expect(output.deliver(3, page('3a')).then(() => output.deliver(3, page('3b')))).rejects.toThrow('cancelled');
  });

  it('refuses a window below 1', () => {
    expect(() => new OrderedOutput(async () => undefined, 0)).toThrow('window 0 must be at least 1');
  });
});
