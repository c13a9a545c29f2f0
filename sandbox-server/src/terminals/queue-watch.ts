import type { SessionQueue } from '../contract/session.ts';

/** How often a waiting session's place is looked at: a frame at most this often, and only on news. */
const QUEUE_LOOK_MS = 1000;

const sameAs = (a: SessionQueue | undefined, b: SessionQueue | undefined) =>
  a?.position === b?.position && a?.estimateSeconds === b?.estimateSeconds;

/**
 * Tells a terminal's client where its session is in the admission queue while it waits: whenever
 * the position or the estimate changed since the last look, and once more (with no place) when
 * the start got its slot. A session that never waited is not watched.
 */
export class QueueWatch {
  private last: SessionQueue | undefined;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly place: () => SessionQueue | undefined,
    private readonly tell: (queue: SessionQueue | undefined) => void,
  ) {
    this.last = place();
    if (!this.last) return;
    this.timer = setInterval(() => this.look(), QUEUE_LOOK_MS);
    // A watch alone must not keep the process alive.
    this.timer.unref();
  }

  /** Where the session was at the last look (the first, until something changed). */
  get current(): SessionQueue | undefined {
    return this.last;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private look(): void {
    const now = this.place();
    if (sameAs(now, this.last)) return;
    this.last = now;
    this.tell(now);
    if (!now) this.stop();
  }
}
