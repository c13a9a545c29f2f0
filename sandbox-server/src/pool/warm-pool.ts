import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.ts';
import type { SandboxLifecycle } from '../sandboxes/driver.ts';
import { newToken } from '../sessions/token.ts';

/**
 * A sandbox started before any reader asked, with no owner. Its id is already the hash of `token`,
 * so the session that takes it (and records itself as its owner) is an ordinary session from then
 * on: same names, same reaping, same adoption.
 */
export type PooledSandbox = {
  id: string;
  token: string;
  /** Settles when the sandbox is ready for a shell, or rejects when its start failed. */
  ready: Promise<void>;
  isReady: boolean;
  /** Cancels a start still under way. */
  cancel: AbortController;
};

/** Longest pause between failed starts, so a broken engine is not hammered. */
const MAX_BACKOFF_MS = 60_000;

/**
 * Keeps up to `size` sandboxes started ahead of readers. It fills one at a time, so refilling never
 * competes with more than one reader's cold start on a small machine, and only while `room()` says
 * the server's maximum allows another sandbox.
 */
export class WarmPool {
  private readonly waiting: PooledSandbox[] = [];
  private filling = false;
  private closed = false;
  private failures = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly driver: SandboxLifecycle,
    private readonly size: number,
    /** How many more sandboxes the server may hold now, not counting the pool's own. */
    private readonly room: () => number,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Session ids of the pooled sandboxes, which a sweep must leave alone. */
  ids(): string[] {
    return this.waiting.map((pooled) => pooled.id);
  }

  /**
   * The pooled sandbox furthest along, now the caller's to end; undefined when the pool is empty.
   * The caller counts it as its own before it calls fill() again.
   */
  take(): PooledSandbox | undefined {
    const index = Math.max(
      0,
      this.waiting.findIndex((pooled) => pooled.isReady),
    );
    const [taken] = this.waiting.splice(index, 1);
    this.recount();
    return taken;
  }

  /** Starts refilling in the background, unless it already is; cheap to call often, e.g. once room frees up. */
  fill(): void {
    if (this.filling || this.closed || this.size === 0) return;
    this.filling = true;
    void this.refill().finally(() => {
      this.filling = false;
      // A sandbox taken between the loop's last look and here asked for a refill that was ignored.
      if (this.short()) this.fill();
    });
  }

  /** Whether the pool holds fewer than it should, and the server has room for one more. */
  private short(): boolean {
    return !this.closed && this.waiting.length < this.size && this.room() - this.waiting.length > 0;
  }

  private async refill(): Promise<void> {
    while (this.short()) {
      const pooled = this.startOne();
      try {
        await pooled.ready;
        this.failures = 0;
      } catch (error) {
        // Taken while starting, the failure is its session's to report; else it is ours.
        const index = this.waiting.indexOf(pooled);
        if (index < 0) continue;
        this.waiting.splice(index, 1);
        this.recount();
        if (this.closed) return;
        const pauseMs = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.failures++);
        this.log.warn(
          { err: error, event: 'pool_start_failed', retryMs: pauseMs },
          'pooled sandbox failed to start',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pauseMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  private startOne(): PooledSandbox {
    const { token, id } = newToken();
    const cancel = new AbortController();
    const pooled: PooledSandbox = { id, token, ready: Promise.resolve(), isReady: false, cancel };
    const startedAt = performance.now();
    // No reader waits on it, so nothing else checked just now that a start can succeed.
    const started = this.driver
      .preflight()
      .then(() => this.driver.start(id, undefined, { signal: cancel.signal }));
    pooled.ready = started.then(() => {
      pooled.isReady = true;
      this.recount();
      const seconds = (performance.now() - startedAt) / 1000;
      this.metrics.sandboxStartSeconds.observe(seconds);
      this.log.info({ session: id, event: 'pool_sandbox_ready', seconds }, 'pooled sandbox ready');
    });
    pooled.ready.catch(() => {}); // handled by refill() or by the session that took it
    this.waiting.push(pooled);
    this.recount();
    return pooled;
  }

  /** Stops refilling and removes the pooled sandboxes: their tokens live only in this process. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    const left = this.waiting.splice(0);
    this.recount();
    await Promise.allSettled(
      left.map(async (pooled) => {
        pooled.cancel.abort();
        await pooled.ready.catch(() => {});
        await this.driver.stop(pooled.id);
      }),
    );
  }

  private recount(): void {
    const ready = this.waiting.filter((pooled) => pooled.isReady).length;
    this.metrics.poolSandboxes.set({ state: 'ready' }, ready);
    this.metrics.poolSandboxes.set({ state: 'starting' }, this.waiting.length - ready);
  }
}
