/** Input typed before the shell is attached waits, up to this much; more is dropped. */
export const MAX_PENDING_INPUT_BYTES = 64 * 1024;

/**
 * Keystrokes on their way to a terminal that is not attached yet. The holder's first output says
 * it has the terminal in raw mode; bytes sent before would meet a terminal still in cooked mode,
 * so they wait until `attach`, then go in the order typed. After it they pass straight through.
 */
export class PendingInput {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private sink: ((bytes: Buffer) => void) | undefined;

  constructor(private readonly maxBytes = MAX_PENDING_INPUT_BYTES) {}

  get attached(): boolean {
    return this.sink !== undefined;
  }

  /** Bytes held now, not yet written. */
  get bytes(): number {
    return this.heldBytes;
  }

  write(bytes: Buffer): void {
    if (this.sink) this.sink(bytes);
    else if (this.heldBytes + bytes.length <= this.maxBytes) {
      this.held.push(bytes);
      this.heldBytes += bytes.length;
    }
  }

  /** Writes what was held to `sink`, and everything after it; only the first call counts. */
  attach(sink: (bytes: Buffer) => void): void {
    if (this.sink) return;
    this.sink = sink;
    for (const bytes of this.held) sink(bytes);
    this.held = [];
    this.heldBytes = 0;
  }
}
