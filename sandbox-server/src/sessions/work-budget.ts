import { ApiError } from '../errors/index.ts';

/**
 * How much of its sandbox's engine one session may keep busy: at most `concurrent` programs at
 * once, and on average `perSecond` starts a second with bursts of up to `burst` (a token bucket).
 * Each view call and each terminal open is a Docker exec on the engine every sandbox shares, so a
 * page asking in a loop would slow its neighbours; past the budget it is told to wait (429).
 */
export class WorkBudget {
  private tokens: number;
  private at: number;
  private running = 0;

  constructor(
    private readonly what: string,
    private readonly limits: { concurrent: number; perSecond: number; burst: number },
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = limits.burst;
    this.at = now();
  }

  /** Runs `work` within the budget, or throws `too_many_requests` with the seconds to wait. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.take();
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
    }
  }

  /** Counts one start without holding a place for it (a terminal lives on past its open). */
  take(): void {
    const now = this.now();
    this.tokens = Math.min(this.limits.burst, this.tokens + ((now - this.at) / 1000) * this.limits.perSecond);
    this.at = now;
    if (this.running >= this.limits.concurrent || this.tokens < 1) {
      const wait = this.tokens < 1 ? (1 - this.tokens) / this.limits.perSecond : 1;
      throw new ApiError(
        'too_many_requests',
        `Your sandbox is asked for ${this.what} faster than Berth allows; try again in a moment.`,
        Math.max(1, Math.ceil(wait)),
      );
    }
    this.tokens--;
  }
}
