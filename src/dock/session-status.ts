/**
 * The session's state where the reader sees it: the dock's `data-state`, the status line (with
 * the reader's place in line while the start waits for a slot, then the seconds it has taken so
 * far), the progress bar, and a failure's notice.
 */
import {
  type DockState,
  type FailureNotice,
  isFailed,
  type Session,
  showsProgress,
  startingText,
  statusText,
} from './session-state.ts';

export type StatusParts = {
  dock: HTMLElement;
  status: HTMLElement;
  progress: HTMLProgressElement;
  /** The failure's notice: a paragraph and the button that starts again. */
  notice: HTMLElement;
  text: HTMLElement;
  retry: HTMLButtonElement;
};

const TICK_MS = 200;

export class SessionStatus {
  readonly #parts: StatusParts;
  #shown: DockState | undefined;
  #ticker: number | undefined;
  #startedAt = 0;
  #queue: Session['queue'];

  constructor(parts: StatusParts) {
    this.#parts = parts;
  }

  show(session: Session): void {
    const { dock, status, progress, notice } = this.#parts;
    const { state } = session;
    dock.dataset.state = state;
    progress.hidden = !showsProgress(state);
    if (!isFailed(state)) notice.hidden = true;
    const again = state === 'starting' && this.#shown === 'starting';
    this.#shown = state;
    this.#queue = session.queue;
    // A start said again (each terminal's socket says it, with the place in line while it waits)
    // goes on counting from the first.
    if (again) {
      status.textContent = this.#startingLine();
      return;
    }
    window.clearInterval(this.#ticker);
    status.textContent = statusText(session);
    if (state !== 'starting') return;
    this.#startedAt = performance.now();
    this.#ticker = window.setInterval(() => {
      status.textContent = this.#startingLine();
    }, TICK_MS);
  }

  #startingLine(): string {
    return startingText((performance.now() - this.#startedAt) / 1000, this.#queue);
  }

  showFailure({ text, retry }: FailureNotice): void {
    this.#parts.text.textContent = text;
    this.#parts.retry.textContent = retry;
    this.#parts.notice.hidden = false;
  }
}
