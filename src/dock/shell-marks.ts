/**
 * Follows the shell's OSC 133 marks (A prompt, B input, C output, D;code end) to know whether
 * a command is running and when each one ends, without reading the screen.
 */
/** `ended`: the command has ended (D) and the next prompt (A) is on its way. */
export type ShellState = 'unknown' | 'prompt' | 'running' | 'ended';

type Waiter = { done: (code: number | undefined) => boolean; release: () => void };

export class ShellMarks {
  state: ShellState = 'unknown';
  lastExitCode: number | undefined;
  private waiters: Waiter[] = [];

  /** Feeds the payload of one OSC 133 sequence, e.g. `B` or `D;1`. */
  mark(data: string): void {
    const [kind, code] = data.split(';');
    if (kind === 'A' || kind === 'B') {
      this.state = 'prompt';
      this.settle(undefined);
    } else if (kind === 'C') {
      this.state = 'running';
    } else if (kind === 'D') {
      this.state = 'ended';
      const exit = Number(code);
      this.lastExitCode = Number.isInteger(exit) ? exit : undefined;
      this.settle(this.lastExitCode);
    }
  }

  /** Resolves at the next prompt (at once if the shell is at one). */
  prompt(): Promise<void> {
    if (this.state === 'prompt') return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({
        done: () => {
          if (this.state !== 'prompt') return false;
          resolve();
          return true;
        },
        release: resolve,
      });
    });
  }

  /**
   * Resolves with the exit code of the command just typed: its D mark, or 0 when the prompt
   * came back with no command run (an empty line or a comment).
   */
  commandEnd(): Promise<number> {
    // Registered while the shell sits at its prompt: the next D is this command's end, and an A or
    // B before any D means the line ran nothing.
    return new Promise((resolve) => {
      this.waiters.push({
        done: (code) => {
          resolve(code ?? 0);
          return true;
        },
        release: () => resolve(-1),
      });
    });
  }

  /**
   * Wakes every waiter without a mark (a command end as -1), when the terminal goes away: a run
   * waiting on a closed tab or an ended sandbox then sees it was cancelled instead of hanging.
   */
  release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.release();
  }

  /** Forgets what it knew, e.g. when the connection is replaced. */
  reset(): void {
    this.state = 'unknown';
  }

  private settle(code: number | undefined): void {
    this.waiters = this.waiters.filter((waiter) => !waiter.done(code));
  }
}
