/** Far above typing or pasting; only a runaway or hostile client gets near it. */
export const MAX_MESSAGES_PER_SECOND = 1000;

/**
 * Counts one client's messages, frames of any kind, in windows of a second. Each message costs
 * a parse or a write to the sandbox, so a client past the limit is flooding, not typing.
 */
export class MessageRate {
  private windowStart: number;
  private count = 0;

  constructor(
    private readonly perSecond = MAX_MESSAGES_PER_SECOND,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  /** Counts one message; false once this window has had more than the limit. */
  take(): boolean {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
    }
    return ++this.count <= this.perSecond;
  }
}
