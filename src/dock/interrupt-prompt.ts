/**
 * Asks before a Run interrupts what runs in a terminal: typed into a running program, a block
 * would go to that program instead of the shell. The question is Dock.astro's notice.
 */
import { partOf } from './dock-markup.ts';

export class InterruptPrompt {
  readonly #notice: HTMLElement;
  readonly #terminalName: HTMLElement;
  readonly #interrupt: HTMLButtonElement;
  #answer: ((interrupt: boolean) => void) | undefined;

  constructor(notice: HTMLElement) {
    this.#notice = notice;
    this.#terminalName = partOf(notice, '[data-terminal-name]');
    this.#interrupt = partOf<HTMLButtonElement>(notice, '[data-dock-action="interrupt"]');
    notice.addEventListener('click', (event) => {
      const action = (event.target as HTMLElement).closest<HTMLElement>('[data-dock-action]')?.dataset
        .dockAction;
      if (action === 'interrupt' || action === 'cancel') this.#settle(action === 'interrupt');
    });
    notice.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.#settle(false);
    });
  }

  /** Resolves true when the reader says to interrupt and run, false when they cancel. */
  ask(terminal: string): Promise<boolean> {
    // Two Runs may ask at once: the later question stands, the earlier one is not run.
    this.#settle(false);
    this.#terminalName.textContent = terminal;
    this.#notice.hidden = false;
    this.#interrupt.focus();
    return new Promise((resolve) => {
      this.#answer = resolve;
    });
  }

  /** Withdraws the question, as cancelled: its terminal went with the sandbox. */
  dismiss(): void {
    this.#settle(false);
  }

  #settle(interrupt: boolean): void {
    const answer = this.#answer;
    if (!answer) return;
    this.#answer = undefined;
    this.#notice.hidden = true;
    answer(interrupt);
  }
}
