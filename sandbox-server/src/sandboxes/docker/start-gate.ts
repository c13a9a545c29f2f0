/**
 * Lets at most `limit` holders through at once, first come first served. Sandbox starts are
 * CPU-bound: fifty at once all finish late, while in turns the first readers get a shell early.
 */
export class StartGate {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Runs `task` once a place is free; gives up waiting, with the signal's reason, if it aborts first. */
  async run<T>(signal: AbortSignal, task: () => Promise<T>): Promise<T> {
    await this.enter(signal);
    try {
      return await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  private enter(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const admit = () => {
        signal.removeEventListener('abort', leave);
        this.running++;
        resolve();
      };
      const leave = () => {
        const index = this.queue.indexOf(admit);
        if (index >= 0) this.queue.splice(index, 1);
        reject(signal.reason);
      };
      this.queue.push(admit);
      signal.addEventListener('abort', leave, { once: true });
    });
  }
}
