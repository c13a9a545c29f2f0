import { totalmem } from 'node:os';
import type { Logger } from 'pino';
import type { PoolWindow } from '../config/pool-schedule.ts';
import type { Metrics } from '../metrics/index.ts';
import type { SandboxLifecycle } from '../sandboxes/driver.ts';
import type { Admission } from '../sessions/admission.ts';
import { newToken } from '../sessions/token.ts';
import { Demand } from './demand.ts';
import { type PoolAsk, type PoolTarget, poolTarget } from './pool-target.ts';

/**
 * A sandbox started before any reader asked, with no owner. Its id is already the hash of `token`,
 * so the session that takes it (and records itself as its owner) is an ordinary session from then
 * on: same names, same reaping, same adoption.
 */
export type PooledSandbox = {
  id: string;
  token: string;
  /** Settles when the sandbox is ready for a shell, or rejects when its start failed. */
  ready: Promise<void>;
  isReady: boolean;
  /** Cancels a start still under way, or still waiting for its slot. */
  cancel: AbortController;
};

type Held = PooledSandbox & {
  /** It has its start slot: a session taking it now waits less than a cold start would. */
  started: boolean;
};

/** What GET /api/admin/pool answers: the pool's size, why, and what it holds. */
type PoolState = {
  baseSize: number;
  target: number;
  wanted: number;
  why: PoolTarget['why'];
  reason: string;
  /** Set when the server's room or the memory bound cut what was wanted, saying which. */
  limit: PoolTarget['limit'] | null;
  ready: number;
  starting: number;
  /** Refills waiting in the admission queue, behind every reader. */
  queued: number;
  schedule: string[];
  request: { size: number; readyBy?: string; until?: string } | null;
  /** The measured start duration the lead times are made from, and how many start at once. */
  startSeconds: number;
  startsAtOnce: number;
};

type PoolParts = {
  driver: SandboxLifecycle;
  admission: Admission;
  /** BERTH_POOL_SIZE: kept in any case; demand grows the pool above it. */
  baseSize: number;
  schedule: readonly PoolWindow[];
  /** How many more sandboxes the server may hold now, not counting the pool's own. */
  room: () => number;
  metrics: Metrics;
  log: Logger;
  /** Wall-clock time: the schedule is in local time, the admin's times are ISO. */
  now?: () => number;
  hostMemoryBytes?: number;
};

/** Longest pause between failed starts, so a broken engine is not hammered. */
const MAX_BACKOFF_MS = 60_000;
/** How often the pool looks at its target with nothing else happening: schedules start, bursts end. */
const TEND_MS = 5_000;

/**
 * Keeps sandboxes started ahead of readers: the base size, more while readers arrive, what the
 * schedule or an operator asks for a room. Its starts wait in the admission queue behind every
 * reader, so refilling takes only slots no reader needs; and it never holds more than the server's
 * maximum leaves room for, nor more idle sandboxes than half the host's memory holds.
 */
export class WarmPool {
  /** In the order they were asked for. */
  private readonly held: Held[] = [];
  private readonly demand = new Demand();
  private ask: PoolAsk | undefined;
  private closed = false;
  private failures = 0;
  private pausedUntil = 0;
  private tending: NodeJS.Timeout | undefined;
  private wake: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly hostMemoryBytes: number;

  constructor(private readonly parts: PoolParts) {
    this.now = parts.now ?? Date.now;
    this.hostMemoryBytes = parts.hostMemoryBytes ?? totalmem();
  }

  /** Session ids of the pooled sandboxes, which a sweep must leave alone. */
  ids(): string[] {
    return this.held.map((pooled) => pooled.id);
  }

  /**
   * A reader arrived: the pooled sandbox furthest along, now the caller's to end, or undefined
   * when none has even started (a cold start is then as quick, and goes before refills). The
   * caller counts it as its own before it calls adjust().
   */
  take(): PooledSandbox | undefined {
    this.demand.arrived(this.now());
    const index = [
      this.held.findIndex((pooled) => pooled.isReady),
      this.held.findIndex((pooled) => pooled.started),
    ].find((found) => found >= 0);
    if (index === undefined) return undefined;
    const [taken] = this.held.splice(index, 1);
    this.recount();
    return taken;
  }

  /** An operator's room, replacing the last one; undefined withdraws it. */
  request(ask: PoolAsk | undefined): void {
    this.ask = ask;
    this.adjust();
  }

  /**
   * Starts or stops pooled sandboxes toward the target; cheap to call often, e.g. whenever
   * sessions come and go. Also runs every few seconds, for schedules and quiet spells.
   */
  adjust(): void {
    if (this.closed) return;
    this.tending ??= setInterval(() => this.adjust(), TEND_MS).unref();
    const missing = this.target().size - this.held.length;
    if (missing < 0) this.shrink(-missing);
    else if (this.now() >= this.pausedUntil) for (let i = 0; i < missing; i++) this.startOne();
  }

  state(): PoolState {
    const target = this.target();
    const { ready, starting, queued } = this.counts();
    const { ask } = this;
    return {
      baseSize: this.parts.baseSize,
      target: target.size,
      wanted: target.wanted,
      why: target.why,
      reason: target.reason,
      limit: target.limit ?? null,
      ready,
      starting,
      queued,
      schedule: this.parts.schedule.map((window) => window.text),
      request: ask
        ? { size: ask.size, readyBy: ask.readyBy?.toISOString(), until: ask.until?.toISOString() }
        : null,
      startSeconds: Math.round(this.parts.admission.startSeconds() * 10) / 10,
      startsAtOnce: this.parts.admission.limit,
    };
  }

  private target(): PoolTarget {
    const now = this.now();
    if (this.ask?.until && now >= this.ask.until.getTime()) this.ask = undefined;
    const { admission } = this.parts;
    return poolTarget({
      base: this.parts.baseSize,
      demand: this.demand.readers(now),
      schedule: this.parts.schedule,
      ask: this.ask,
      now,
      leadSeconds: (size) => admission.startSeconds() * Math.ceil(size / admission.limit),
      room: this.parts.room(),
      hostMemoryBytes: this.hostMemoryBytes,
    });
  }

  private startOne(): void {
    const { driver, admission, metrics, log } = this.parts;
    const { token, id } = newToken();
    const cancel = new AbortController();
    const pooled: Held = { id, token, ready: Promise.resolve(), isReady: false, cancel, started: false };
    // From its slot: the wait behind readers is no one's wait.
    let startedAt = 0;
    const queued = admission.start({ signal: cancel.signal }, async () => {
      startedAt = performance.now();
      pooled.started = true;
      this.recount();
      // No reader waits on it, so nothing else checked just now that a start can succeed.
      await driver.preflight();
      await driver.start(id, undefined, { signal: cancel.signal });
    });
    pooled.ready = queued.result.then(() => {
      pooled.isReady = true;
      this.failures = 0;
      this.recount();
      const seconds = (performance.now() - startedAt) / 1000;
      metrics.sandboxStartSeconds.observe(seconds);
      log.info({ session: id, event: 'pool_sandbox_ready', seconds }, 'pooled sandbox ready');
    });
    // Taken, its failure is its session's to report; cancelled, it is no failure.
    pooled.ready.catch((error: unknown) => {
      if (this.held.includes(pooled) && !cancel.signal.aborted) this.failed(pooled, error);
    });
    this.held.push(pooled);
    this.recount();
  }

  /** After a failed start, refills pause, longer each time, so a broken engine is not hammered. */
  private failed(pooled: Held, error: unknown): void {
    this.held.splice(this.held.indexOf(pooled), 1);
    const pauseMs = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.failures++);
    this.parts.log.warn(
      { err: error, event: 'pool_start_failed', retryMs: pauseMs },
      'pooled sandbox failed to start',
    );
    this.pausedUntil = this.now() + pauseMs;
    // Those still waiting for a slot would most likely fail alike; they are asked for again after the pause.
    for (const waiting of this.held.filter((held) => !held.started)) this.discard(waiting);
    this.recount();
    clearTimeout(this.wake);
    this.wake = setTimeout(() => this.adjust(), pauseMs).unref();
  }

  /** Stops `count` pooled sandboxes: those not yet started first, then the newest. */
  private shrink(count: number): void {
    const stage = (pooled: Held) => (pooled.isReady ? 2 : pooled.started ? 1 : 0);
    const victims = [...this.held].reverse().sort((a, b) => stage(a) - stage(b));
    for (const pooled of victims.slice(0, count)) this.discard(pooled);
    this.parts.log.info({ event: 'pool_shrunk', count, left: this.held.length }, 'warm pool shrunk');
    this.recount();
  }

  /** Takes a pooled sandbox out of the pool and removes it, cancelling its start if need be. */
  private discard(pooled: Held): Promise<void> {
    const index = this.held.indexOf(pooled);
    if (index >= 0) this.held.splice(index, 1);
    pooled.cancel.abort();
    if (!pooled.started) return Promise.resolve();
    return pooled.ready
      .catch(() => {})
      .then(() => this.parts.driver.stop(pooled.id))
      .catch((error: unknown) =>
        this.parts.log.warn(
          { session: pooled.id, err: error },
          'pooled sandbox removal failed; sweep will retry',
        ),
      );
  }

  /** Stops refilling and removes the pooled sandboxes: their tokens live only in this process. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.tending);
    clearTimeout(this.wake);
    const left = [...this.held];
    const removed = Promise.allSettled(left.map((pooled) => this.discard(pooled)));
    this.recount();
    await removed;
  }

  /** The pooled sandboxes by how far along they are: ready, started, or still waiting for a slot. */
  private counts(): { ready: number; starting: number; queued: number } {
    const ready = this.held.filter((pooled) => pooled.isReady).length;
    const started = this.held.filter((pooled) => pooled.started).length;
    return { ready, starting: started - ready, queued: this.held.length - started };
  }

  private recount(): void {
    const { poolSandboxes } = this.parts.metrics;
    for (const [state, count] of Object.entries(this.counts())) poolSandboxes.set({ state }, count);
  }
}
