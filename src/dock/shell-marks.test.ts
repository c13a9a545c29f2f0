import { describe, expect, it } from 'vitest';
import { parseShellMark } from '../../sandbox-server/src/contract/index.ts';
import { ShellMarks } from './shell-marks.ts';

/** Marks as xterm hands their payloads to the tab's OSC 133 handler. */
function feed(marks: ShellMarks, ...payloads: string[]): void {
  for (const payload of payloads) {
    const mark = parseShellMark(payload);
    if (mark) marks.mark(mark);
  }
}

describe('shell marks', () => {
  it('know a command is running between C and D, and its exit code from D', () => {
    const marks = new ShellMarks();
    feed(marks, 'A', 'B');
    expect(marks.state).toBe('prompt');
    feed(marks, 'C');
    expect(marks.state).toBe('running');
    feed(marks, 'D;2');
    expect(marks.state).toBe('ended'); // not busy any more, though the prompt has yet to come
  });

  it('take no continuation prompt for the prompt', () => {
    const marks = new ShellMarks();
    feed(marks, 'C', 'D;0', 'A;k=s');
    expect(marks.state).toBe('ended');
  });

  it('resolve a prompt wait only once the running command has ended', async () => {
    const marks = new ShellMarks();
    feed(marks, 'C');
    let prompted = false;
    const prompt = marks.prompt().then(() => {
      prompted = true;
    });
    feed(marks, 'D;0');
    await Promise.resolve();
    expect(prompted).toBe(false);
    feed(marks, 'A');
    await prompt;
    expect(prompted).toBe(true);
  });

  it('release their waiters when the terminal goes away', async () => {
    const marks = new ShellMarks();
    feed(marks, 'C');
    const prompt = marks.prompt();
    marks.release();
    await prompt;
  });
});
