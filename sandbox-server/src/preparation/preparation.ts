/**
 * A server's first start builds its images, which takes minutes. Started with `--prepare` (Berth's
 * own image does), the server listens at once and prepares behind its back: the site and the
 * status page answer, the API says `preparing` with the step it is at, and a failed step is tried
 * again after a while instead of ending the process.
 */
import type { Logger } from 'pino';
import { ApiError } from '../errors/index.ts';

/** Runs one labelled piece of the preparation, so the status can say what is being done. */
export type Step = <T>(label: string, work: () => Promise<T>) => Promise<T>;

/** What the server prepares before it can start sandboxes: the steps' labels, in order, and the work. */
export type PreparationWork = { labels: readonly string[]; run: (step: Step) => Promise<void> };

export type PreparationView = {
  state: 'preparing' | 'ready' | 'failed';
  /** The step being done (the first not done yet), counted from 1; `of` when ready. */
  step: number;
  of: number;
  /** What runs now: more than one when steps run side by side. */
  doing: string[];
  /** Why the last attempt failed, and when the next begins. */
  error?: string;
  retryAt?: string;
};

/** How long a failed preparation waits before it tries again: a Debian mirror that was down, say. */
const RETRY_MS = 60_000;
/** How soon a reader's page asks again while a step runs. */
const ASK_AGAIN_SECONDS = 5;
/** An error's words reach the status page; a build's can be long. */
const ERROR_CHARS = 300;

export class Preparation {
  readonly #labels: readonly string[];
  readonly #done = new Set<string>();
  readonly #doing = new Set<string>();
  #state: PreparationView['state'];
  #error: string | undefined;
  #retryAt: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #log: Logger | undefined;

  constructor(
    labels: readonly string[],
    private readonly retryMs = RETRY_MS,
    private readonly now = () => Date.now(),
  ) {
    this.#labels = labels;
    this.#state = labels.length === 0 ? 'ready' : 'preparing';
  }

  /** Nothing left to prepare: a server started without `--prepare` has done it before it listens. */
  static done(): Preparation {
    return new Preparation([]);
  }

  get ready(): boolean {
    return this.#state === 'ready';
  }

  readonly #step: Step = async (label, work) => {
    this.#doing.add(label);
    const began = this.now();
    try {
      const result = await work();
      this.#done.add(label);
      const seconds = Math.round((this.now() - began) / 1000);
      this.#log?.info({ event: 'prepared_step', step: label, seconds }, `prepared ${label} (${seconds} s)`);
      return result;
    } finally {
      this.#doing.delete(label);
    }
  };

  /** Runs the work until it succeeds, again `retryMs` after each failure; `stop` ends that. */
  start(work: (step: Step) => Promise<void>, log: Logger): void {
    this.#log = log;
    const attempt = async () => {
      const began = this.now();
      this.#state = 'preparing';
      this.#error = undefined;
      this.#retryAt = undefined;
      try {
        await work(this.#step);
        this.#state = 'ready';
        const seconds = Math.round((this.now() - began) / 1000);
        log.info({ event: 'prepared', seconds }, `sandboxes prepared (${seconds} s)`);
      } catch (error) {
        this.#state = 'failed';
        this.#error = (error as Error).message.slice(0, ERROR_CHARS);
        this.#retryAt = this.now() + this.retryMs;
        log.error(
          { err: error, event: 'preparation_failed' },
          `could not prepare sandboxes; trying again in ${this.retryMs / 1000} s`,
        );
        if (!this.#stopped) this.#timer = setTimeout(() => void attempt(), this.retryMs);
      }
    };
    void attempt();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  view(): PreparationView {
    const of = this.#labels.length;
    const doing = this.#labels.filter((label) => this.#doing.has(label));
    const view: PreparationView = {
      state: this.#state,
      step: this.ready ? of : Math.min(this.#done.size + 1, of),
      of,
      doing,
    };
    if (this.#error !== undefined) view.error = this.#error;
    if (this.#retryAt !== undefined) view.retryAt = new Date(this.#retryAt).toISOString();
    return view;
  }

  /** What the API answers while sandboxes cannot be had yet: `preparing`, or unavailable after a failure. */
  refusal(): ApiError {
    const { state, step, of, doing } = this.view();
    if (state === 'failed') {
      const seconds = Math.max(1, Math.ceil(((this.#retryAt ?? this.now()) - this.now()) / 1000));
      return new ApiError(
        'sandbox_unavailable',
        `Sandboxes could not be prepared on this server; it tries again in ${seconds} s. Its log says why.`,
        seconds,
      );
    }
    const what = doing.length > 0 ? ` (${doing.join(', ')})` : '';
    return new ApiError(
      'preparing',
      `Sandboxes are being prepared: step ${step} of ${of}${what}. A server's first start builds its images, which takes a few minutes.`,
      ASK_AGAIN_SECONDS,
    );
  }
}
