/** How often an idle terminal socket is pinged; one that misses a whole interval is dropped. */
export const PING_INTERVAL_MS = 30_000;

/** What a heartbeat needs of a socket. */
export type Peer = { ping(): void; terminate(): void };

/**
 * Pings a peer every interval and terminates it when the previous ping got no pong: a client
 * gone without a close (a laptop lid, a dropped network) would otherwise hold its terminal,
 * and its attach process in the sandbox, until TCP gave up hours later.
 */
export class Heartbeat {
  private answered = true;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly peer: Peer,
    intervalMs = PING_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => this.beat(), intervalMs);
    // A heartbeat alone must not keep the process alive.
    this.timer.unref();
  }

  /** The peer answered. */
  pong(): void {
    this.answered = true;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private beat(): void {
    if (!this.answered) {
      this.stop();
      this.peer.terminate();
      return;
    }
    this.answered = false;
    this.peer.ping();
  }
}
