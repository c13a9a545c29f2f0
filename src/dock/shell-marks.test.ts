import { describe, expect, it } from 'vitest';
import { ShellMarks } from './shell-marks.ts';

describe('shell marks', () => {
  it('know a command is running between C and D, and its exit code from D', async () => {
    const marks = new ShellMarks();
    marks.mark('A');
    marks.mark('B');
    expect(marks.state).toBe('prompt');
    const end = marks.commandEnd();
    marks.mark('C');
    expect(marks.state).toBe('running');
    marks.mark('D;2');
    expect(await end).toBe(2);
    expect(marks.state).toBe('ended'); // not busy any more, though the prompt has yet to come
    expect(marks.lastExitCode).toBe(2);
  });

  it('count a line that ran nothing (no C, a new prompt) as done with 0', async () => {
    const marks = new ShellMarks();
    marks.mark('B');
    const end = marks.commandEnd();
    marks.mark('A');
    expect(await end).toBe(0);
  });

  it('resolve a prompt wait only once the running command has ended', async () => {
    const marks = new ShellMarks();
    marks.mark('C');
    let prompted = false;
    const prompt = marks.prompt().then(() => {
      prompted = true;
    });
    marks.mark('D;0');
    await Promise.resolve();
    expect(prompted).toBe(false);
    marks.mark('A');
    await prompt;
    expect(prompted).toBe(true);
  });

  it('release their waiters when the terminal goes away, a command end as -1', async () => {
    const marks = new ShellMarks();
    marks.mark('C');
    const prompt = marks.prompt();
    const end = marks.commandEnd();
    marks.release();
    await prompt;
    expect(await end).toBe(-1);
  });
});
