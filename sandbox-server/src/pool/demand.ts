const MINUTE_MS = 60_000;
/** How long after a burst the pool holds on to what it grew for it: a workshop's readers trickle in. */
export const QUIET_MS = 5 * MINUTE_MS;

/**
 * Readers arriving, as the pool sees them (every POST /api/session that may create a session). The
 * pool grows to the most readers who arrived within one minute lately, and back to its base size
 * once a few quiet minutes have passed.
 */
export class Demand {
  /** Arrival times, oldest first, kept as long as they can count. */
  private readonly arrivals: number[] = [];

  arrived(now: number): void {
    this.arrivals.push(now);
    this.forget(now);
  }

  /** The most readers who arrived within one minute, among the minutes ending in the last QUIET_MS. */
  readers(now: number): number {
    this.forget(now);
    let most = 0;
    let first = 0;
    for (let last = 0; last < this.arrivals.length; last++) {
      const at = this.arrivals[last] ?? now;
      while (at - (this.arrivals[first] ?? at) >= MINUTE_MS) first++;
      if (at > now - QUIET_MS) most = Math.max(most, last - first + 1);
    }
    return most;
  }

  private forget(now: number): void {
    const oldest = now - QUIET_MS - MINUTE_MS;
    while ((this.arrivals[0] ?? now) <= oldest) this.arrivals.shift();
  }
}
