import { describe, expect, it } from 'vitest';
import { StartGate } from './start-gate.ts';

/** A task that runs until its test lets it finish. */
function held() {
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { finish, task: () => done };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the start gate', () => {
  it('lets `limit` tasks run at once and the rest in the order they came', async () => {
    const gate = new StartGate(2);
    const started: number[] = [];
    const tasks = [0, 1, 2, 3].map((i) => {
      const h = held();
      const run = gate.run(new AbortController().signal, () => {
        started.push(i);
        return h.task();
      });
      return { ...h, run };
    });
    await tick();
    expect(started).toEqual([0, 1]);
    tasks[1]?.finish();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    tasks[0]?.finish();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const t of tasks) t.finish();
    await Promise.all(tasks.map((t) => t.run));
  });

  it('a task cancelled while it waits never runs and takes no place', async () => {
    const gate = new StartGate(1);
    const first = held();
    const firstRun = gate.run(new AbortController().signal, first.task);
    const cancel = new AbortController();
    let ran = false;
    const cancelled = gate.run(cancel.signal, async () => {
      ran = true;
    });
    const third = gate.run(new AbortController().signal, async () => 'third');
    cancel.abort(new Error('reader left'));
    await expect(cancelled).rejects.toThrow('reader left');
    first.finish();
    await firstRun;
    expect(await third).toBe('third');
    expect(ran).toBe(false);
  });

  it('a failing task frees its place', async () => {
    const gate = new StartGate(1);
    await expect(
      gate.run(new AbortController().signal, () => Promise.reject(new Error('no'))),
    ).rejects.toThrow('no');
    expect(await gate.run(new AbortController().signal, async () => 'next')).toBe('next');
  });
});
