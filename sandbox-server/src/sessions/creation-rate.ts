const WINDOW_MS = 60_000;

/**
 * Session creations per client address in the last minute. Each creation starts a sandbox
 * (about 1.3 CPU-seconds), so create-and-delete in a loop must not be free even while the
 * number of live sessions stays under the per-client limit.
 */
export class CreationRate {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a creation by `client`; returns 0, or the seconds until it may create another. */
  take(client: string): number {
    const now = this.now();
    const times = (this.recent.get(client) ?? []).filter((t) => now - t < WINDOW_MS);
    if (times.length >= this.perMinute) {
      this.recent.set(client, times);
      return Math.max(1, Math.ceil(((times[0] ?? now) + WINDOW_MS - now) / 1000));
    }
    times.push(now);
    this.recent.set(client, times);
    return 0;
  }

  /** Forgets clients with no creation in the window, so the map holds only the last minute's. */
  prune(): void {
    const now = this.now();
    for (const [client, times] of this.recent) {
      if (times.every((t) => now - t >= WINDOW_MS)) this.recent.delete(client);
    }
  }

  get clients(): number {
    return this.recent.size;
  }
}
