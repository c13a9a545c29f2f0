/**
 * Follows the shell's OSC 133 marks (A prompt, B input, C output, D;code end) to know whether
 * a command is running and when the prompt is back, without reading the screen. Judging a block's
 * run is BlockRun's (src/blocks/block-run.ts).
 */
import type { ShellMark } from '../../sandbox-server/src/contract/index.ts';

/** `ended`: the command has ended (D) and the next prompt (A) is on its way. */
export type ShellState = 'unknown' | 'prompt' | 'running' | 'ended';

type Waiter = { done: () => boolean; release: () => void };

export class ShellMarks {
  state: ShellState = 'unknown';
  #waiters: Waiter[] = [];

  /** A continuation prompt is no prompt yet: the shell still reads the line it was given. */
  mark(mark: ShellMark): void {
    if (mark.type === 'prompt' || mark.type === 'input') {
      this.state = 'prompt';
      this.#settle();
    } else if (mark.type === 'output') {
      this.state = 'running';
    } else if (mark.type === 'end') {
      this.state = 'ended';
    }
  }

  /** Resolves at the next prompt (at once if the shell is at one). */
  prompt(): Promise<void> {
    if (this.state === 'prompt') return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push({
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
   * Wakes every waiter without a mark, when the terminal goes away: a run waiting on a closed tab
   * or an ended sandbox then sees it was cancelled instead of hanging.
   */
  release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.release();
  }

  /** Forgets what it knew, e.g. when the connection is replaced. */
  reset(): void {
    this.state = 'unknown';
  }

  #settle(): void {
    this.#waiters = this.#waiters.filter((waiter) => !waiter.done());
  }
}
