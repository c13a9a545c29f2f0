import { OutputRate } from './output-rate.ts';

/** Output stops being read from the sandbox above this many unsent bytes, and resumes below the low mark. */
export const HIGH_WATER_BYTES = 1024 * 1024;
export const LOW_WATER_BYTES = 256 * 1024;
/** The most output one terminal sends a second (see OutputRate). */
export const MAX_OUTPUT_BYTES_PER_SECOND = 28 * 1000 * 1000;

/** Why output is held back: the client asked, the socket has too much unsent, or the rate is spent. */
export type Hold = 'client' | 'backpressure' | 'throttle';

/** The terminal's output as the gate sees it: a stream it can pause and resume. */
export type Source = { pause(): unknown; resume(): unknown };

type Limits = { highWaterBytes: number; lowWaterBytes: number };

/**
 * Whether a terminal's output is read from the sandbox: paused while anything holds it, read
 * again once nothing does. Pausing the stream pushes back through the attach process to the
 * shell, so a fast writer waits instead of the server buffering what the reader cannot take.
 */
export class FlowGate {
  private readonly holds = new Set<Hold>();
  private source: Source | undefined;
  private throttleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: Limits = { highWaterBytes: HIGH_WATER_BYTES, lowWaterBytes: LOW_WATER_BYTES },
    private readonly rate = new OutputRate(MAX_OUTPUT_BYTES_PER_SECOND),
  ) {}

  /** Starts gating `source`; holds taken before, such as a client's early pause, apply at once. */
  attach(source: Source): void {
    this.source = source;
    this.apply();
  }

  get paused(): boolean {
    return this.holds.size > 0;
  }

  has(hold: Hold): boolean {
    return this.holds.has(hold);
  }

  /** The client's pause or resume message. */
  clientPaused(paused: boolean): void {
    this.set('client', paused);
  }

  /** A chunk of `bytes` was handed to the socket, which now has `unsent` bytes waiting. */
  sent(bytes: number, unsent: number): void {
    if (unsent > this.limits.highWaterBytes) this.set('backpressure', true);
    if (this.holds.has('throttle')) return;
    const waitMs = this.rate.take(bytes);
    if (waitMs === 0) return;
    this.set('throttle', true);
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = undefined;
      this.set('throttle', false);
    }, waitMs);
  }

  /** The socket wrote a chunk out and has `unsent` bytes left. */
  drained(unsent: number): void {
    if (unsent < this.limits.lowWaterBytes) this.set('backpressure', false);
  }

  /** The connection is over: a pending throttle must not resume a stream let go of. */
  stop(): void {
    clearTimeout(this.throttleTimer);
    this.source = undefined;
  }

  private set(hold: Hold, on: boolean): void {
    if (this.holds.has(hold) === on) return;
    if (on) this.holds.add(hold);
    else this.holds.delete(hold);
    this.apply();
  }

  private apply(): void {
    if (this.paused) this.source?.pause();
    else this.source?.resume();
  }
}
