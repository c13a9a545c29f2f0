/**
 * What a program in the sandbox writes on stderr goes to the server's log, but it is the reader's
 * to choose (they can replace the program): only the first `bytes` of it are logged, then, once,
 * how much more was not.
 */
export class StderrBudget {
  private logged = 0;
  private dropped = 0;

  constructor(
    private readonly bytes: number,
    private readonly log: (text: string) => void,
  ) {}

  take(text: string): void {
    const room = this.bytes - this.logged;
    if (room > 0) {
      const part = text.slice(0, room);
      this.logged += part.length;
      this.log(part);
    }
    this.dropped += Math.max(0, text.length - Math.max(0, room));
  }

  /** How much was not logged; said once, when the program's stream ends. */
  get unlogged(): number {
    return this.dropped;
  }
}
