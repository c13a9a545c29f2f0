import type { SessionQueue } from '../contract/session.ts';
import type { Metrics } from '../metrics/index.ts';
import { StartDurations } from './start-durations.ts';

/** Who asks for a start slot: a reader's cold start, by client address, or a warm pool refill. */
type StartRequest = {
  /** The reader's client address; none for the pool's refills, which yield to every reader. */
  client?: string;
  /** Aborting it while the start waits takes it out of the line at once. */
  signal: AbortSignal;
};

type QueuedStart<T> = {
  /** Where the start is in line; undefined once it has a slot, or has left. */
  place(): SessionQueue | undefined;
  /** Settles as the start does; rejects with the signal's reason when cancelled while waiting. */
  result: Promise<T>;
};

/** A start under way, and when it got its slot. */
type Slot = { since: number };
type Waiter = { client: string | undefined; admit: (slot: Slot) => void };

/**
 * The one gate every sandbox start goes through: at most `limit` run at once, since a start keeps a
 * core busy and fifty at once all finish late. Readers go before pool refills; between readers the
 * slots go round the client addresses that have someone waiting, each address's own readers first
 * come first served, so one classroom behind one address does not hold back everyone else.
 */
export class Admission {
  /** The waiting readers by address, in the order the addresses get their next turn. */
  private readonly readers = new Map<string, Waiter[]>();
  private readonly refills: Waiter[] = [];
  private readonly running = new Set<Slot>();
  private readonly durations = new StartDurations();
  /** The order the waiting starts will be let through in, made again after every change. */
  private order: Map<Waiter, number> | undefined;

  constructor(
    readonly limit: number,
    private readonly metrics: Pick<Metrics, 'startsWaiting'>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Queues `task`, which starts a sandbox, and runs it once a slot is free. */
  start<T>(request: StartRequest, task: () => Promise<T>): QueuedStart<T> {
    const waiter: Waiter = { client: request.client, admit: () => {} };
    const { signal } = request;
    const admitted = new Promise<Slot>((resolve, reject) => {
      signal.throwIfAborted();
      const leave = () => {
        this.remove(waiter);
        reject(signal.reason);
      };
      waiter.admit = (slot) => {
        signal.removeEventListener('abort', leave);
        resolve(slot);
      };
      signal.addEventListener('abort', leave, { once: true });
      this.add(waiter);
      this.next();
    });
    return { place: () => this.placeOf(waiter), result: admitted.then((slot) => this.run(slot, task)) };
  }

  /** What a start takes here now, in seconds: the moving average, starts under way included. */
  startSeconds(): number {
    const now = this.now();
    return this.durations.seconds([...this.running].map((slot) => (now - slot.since) / 1000));
  }

  /** Readers waiting for a slot. */
  get waiting(): number {
    let count = 0;
    for (const waiters of this.readers.values()) count += waiters.length;
    return count;
  }

  private async run<T>(slot: Slot, task: () => Promise<T>): Promise<T> {
    try {
      const value = await task();
      // Only a start that ended with a sandbox says how long one takes; failures end early.
      this.durations.measured((this.now() - slot.since) / 1000);
      return value;
    } finally {
      this.running.delete(slot);
      this.next();
    }
  }

  private next(): void {
    while (this.running.size < this.limit) {
      const waiter = this.takeNext();
      if (!waiter) return;
      const slot = { since: this.now() };
      this.running.add(slot);
      waiter.admit(slot);
    }
  }

  private add(waiter: Waiter): void {
    if (waiter.client === undefined) this.refills.push(waiter);
    else {
      const line = this.readers.get(waiter.client);
      if (line) line.push(waiter);
      else this.readers.set(waiter.client, [waiter]);
    }
    this.changed();
  }

  /** The address whose turn it is gives its first reader, and goes to the back of the round. */
  private takeNext(): Waiter | undefined {
    const turn = this.readers.entries().next();
    if (!turn.done) {
      const [client, line] = turn.value;
      const waiter = line.shift();
      this.readers.delete(client);
      if (line.length > 0) this.readers.set(client, line);
      this.changed();
      return waiter;
    }
    const refill = this.refills.shift();
    if (refill) this.changed();
    return refill;
  }

  private remove(waiter: Waiter): void {
    const line = waiter.client === undefined ? this.refills : this.readers.get(waiter.client);
    const index = line?.indexOf(waiter) ?? -1;
    if (!line || index < 0) return;
    line.splice(index, 1);
    if (line.length === 0 && waiter.client !== undefined) this.readers.delete(waiter.client);
    this.changed();
  }

  private changed(): void {
    this.order = undefined;
    this.metrics.startsWaiting.set(this.waiting);
  }

  private placeOf(waiter: Waiter): SessionQueue | undefined {
    this.order ??= this.projectedOrder();
    const index = this.order.get(waiter);
    if (index === undefined) return undefined;
    return { position: index + 1, estimateSeconds: this.estimate(index) };
  }

  /** Round by round, each address's next reader in turn, then the refills: the order takeNext() keeps. */
  private projectedOrder(): Map<Waiter, number> {
    const order = new Map<Waiter, number>();
    const lines = [...this.readers.values()];
    const readers = this.waiting;
    for (let round = 0; order.size < readers; round++) {
      for (const line of lines) {
        const waiter = line[round];
        if (waiter) order.set(waiter, order.size);
      }
    }
    for (const refill of this.refills) order.set(refill, order.size);
    return order;
  }

  /**
   * Seconds until the start `index` places from the front has a sandbox: each slot frees when its
   * start ends (the expected duration less how long it has run), then takes the next in line for
   * another whole start, so the one at `index` gets the earliest slot after `index` others did.
   */
  private estimate(index: number): number {
    const now = this.now();
    const seconds = this.startSeconds();
    const frees = [...this.running].map((slot) => Math.max(0, seconds - (now - slot.since) / 1000));
    while (frees.length < this.limit) frees.push(0);
    frees.sort((a, b) => a - b);
    const slotFree = (frees[index % this.limit] ?? 0) + Math.floor(index / this.limit) * seconds;
    return Math.max(1, Math.ceil(slotFree + seconds));
  }
}
