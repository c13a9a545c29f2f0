/**
 * Bounds one terminal's output rate. A browser's terminal draws far less than this, and a flood
 * held to it leaves CPU for other terminals: on two cores an unbounded flood kept every core
 * busy relaying bytes no one could read, and keystrokes elsewhere waited behind it.
 */
export class OutputRate {
  private windowStart: number;
  private used = 0;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly windowMs = 10,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.windowStart = now();
  }

  /** Counts `bytes` sent; returns how many ms to wait before sending more (0: go on). */
  take(bytes: number): number {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used += bytes;
    const allowed = (this.bytesPerSecond * this.windowMs) / 1000;
    if (this.used < allowed) return 0;
    // Over the window's share: wait until this window's bytes are paid for at the rate.
    return Math.max(1, this.windowStart + (this.used / this.bytesPerSecond) * 1000 - now);
  }
}
