import { describe, expect, it } from 'vitest';
import { ShellMarks } from './shell-marks.ts';

describe('shell marks', () => {
  it('know a command is running between C and D, and its exit code from D', () => {
    const marks = new ShellMarks();
    marks.mark('A');
    marks.mark('B');
    expect(marks.state).toBe('prompt');
    marks.mark('C');
    expect(marks.state).toBe('running');
    marks.mark('D;2');
    expect(marks.state).toBe('ended'); // not busy any more, though the prompt has yet to come
    expect(marks.lastExitCode).toBe(2);
  });

  it('take no continuation prompt for the prompt', () => {
    const marks = new ShellMarks();
    marks.mark('C');
    marks.mark('D;0');
    marks.mark('A;k=s');
    expect(marks.state).toBe('ended');
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

  it('release their waiters when the terminal goes away', async () => {
    const marks = new ShellMarks();
    marks.mark('C');
    const prompt = marks.prompt();
    marks.release();
    await prompt;
  });
});
