import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { ApiError } from '../errors/index.ts';
import type { Metrics } from '../metrics/index.ts';
import { type PooledSandbox, WarmPool } from '../pool/warm-pool.ts';
import type { SandboxLifecycle, SandboxMetering, SandboxOwner, StartStep } from '../sandboxes/driver.ts';
import { Admission } from './admission.ts';
import { atCapacity } from './capacity.ts';
import { sessionToken } from './cookie.ts';
import { CreationRate } from './creation-rate.ts';
import { type EndReason, Session } from './session.ts';
import { newToken, sessionIdFor } from './token.ts';

/** The session, once its sandbox can answer; `sandbox_starting` before. */
export function whenReady(session: Session): Session {
  if (session.state !== 'ready') {
    throw new ApiError('sandbox_starting', 'Your sandbox is still starting; ask again in a moment.');
  }
  return session;
}

/**
 * The live sessions and their sandboxes. The driver is the source of truth: what this map holds
 * is rebuilt from its list by `adopt()` when the server starts.
 */
export class Sessions {
  private readonly byId = new Map<string, Session>();
  private readonly ending = new Map<string, Promise<void>>();
  private adoptedYet = false;
  /** Every sandbox start, readers' and the pool's, waits here for one of a few slots. */
  private readonly admission: Admission;
  /** Read by the admin routes, which ask it for rooms. */
  readonly pool: WarmPool;
  private readonly creations: CreationRate;

  constructor(
    private readonly driver: SandboxLifecycle & SandboxMetering,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.creations = new CreationRate(config.sessionsPerMinute);
    this.admission = new Admission(config.startsAtOnce, metrics);
    this.pool = new WarmPool({
      driver,
      admission: this.admission,
      baseSize: config.poolSize,
      schedule: config.poolSchedule,
      room: () => config.maxSandboxes - this.byId.size,
      metrics,
      log,
    });
  }

  /** The session a request's Cookie header names; two session cookies are refused (see sessionToken). */
  fromCookie(cookieHeader: string | undefined): Session | undefined {
    const token = sessionToken(cookieHeader, this.config.sessionCookie.name);
    const id = token === undefined ? undefined : sessionIdFor(token);
    return id === undefined ? undefined : this.byId.get(id);
  }

  all(): Session[] {
    return [...this.byId.values()];
  }

  async create(clientAddress: string): Promise<{ session: Session; token: string }> {
    const mine = this.all().filter((s) => s.clientAddress === clientAddress);
    if (mine.length >= this.config.sessionsPerClient) {
      const soonest = Math.min(...mine.map((s) => s.expiresAt.getTime()));
      throw new ApiError(
        'too_many_sessions',
        `This address already has ${mine.length} sandboxes, the most allowed; end one or wait for one to expire.`,
        Math.max(1, Math.ceil((soonest - Date.now()) / 1000)),
      );
    }
    if (this.byId.size >= this.config.maxSandboxes) {
      throw atCapacity(this.all(), this.config.idleTimeoutSeconds, Date.now());
    }
    const waitSeconds = this.creations.take(clientAddress);
    if (waitSeconds > 0) {
      throw new ApiError(
        'creating_too_fast',
        `This address started ${this.config.sessionsPerMinute} sandboxes in the last minute, the most allowed; try again in ${waitSeconds} s.`,
        waitSeconds,
      );
    }
    const pooled = this.pool.take();
    const { token, id } = pooled ?? newToken();
    const now = new Date();
    const session = new Session(
      id,
      clientAddress,
      now,
      new Date(now.getTime() + this.config.lifetimeSeconds * 1000),
    );
    // Counted before the first await, so concurrent requests cannot overshoot the limits.
    this.byId.set(id, session);
    this.recount();
    this.pool.adjust();
    const owner: SandboxOwner = { clientAddress, createdAt: session.createdAt, expiresAt: session.expiresAt };
    const from = pooled ? 'pool' : 'cold';
    try {
      if (pooled) {
        this.follow(session, this.fromPool(session, pooled), from);
        // The session's own expiry and client are recorded before its reader hears of it.
        await this.driver.own(id, owner);
      } else {
        await this.driver.preflight();
        const progress = (step: StartStep) =>
          this.log.debug({ session: id, event: 'sandbox_start_step', step }, `sandbox start: ${step}`);
        progress('queued');
        const queued = this.admission.start({ client: clientAddress, signal: session.ended }, () =>
          this.driver.start(id, owner, { signal: session.ended, progress }),
        );
        session.waitsIn(queued.place);
        this.follow(session, queued.result, from);
      }
    } catch (error) {
      if (pooled) await this.end(session, 'failed');
      else {
        this.byId.delete(id);
        this.recount();
      }
      throw error;
    }
    this.metrics.sessionsCreated.inc({ from });
    this.log.info({ session: id, client: clientAddress, event: 'session_created', from }, 'session created');
    return { session, token };
  }

  /** A pooled sandbox as the session's start: cancelled with the session, ready at once if it was. */
  private fromPool(session: Session, pooled: PooledSandbox): Promise<void> {
    session.ended.addEventListener('abort', () => pooled.cancel.abort(), { once: true });
    if (pooled.isReady) session.state = 'ready';
    return pooled.ready;
  }

  /** Marks the session ready when `started` settles, or ends it as failed. */
  private follow(session: Session, started: Promise<void>, from: 'pool' | 'cold'): void {
    const startedAt = performance.now();
    session.ready = started.then(
      () => {
        session.state = 'ready';
        this.recount();
        const seconds = (performance.now() - startedAt) / 1000;
        if (from === 'cold') this.metrics.sandboxStartSeconds.observe(seconds);
        this.log.info({ session: session.id, event: 'sandbox_ready', seconds, from }, 'sandbox ready');
      },
      (error: unknown) => {
        if (session.ended.aborted) {
          this.log.info({ session: session.id, event: 'sandbox_start_cancelled' }, 'sandbox start cancelled');
        } else {
          this.log.error(
            { session: session.id, event: 'sandbox_failed', err: error },
            'sandbox failed to start',
          );
          void this.end(session, 'failed');
        }
        throw error;
      },
    );
    session.ready.catch(() => {}); // the failure is logged above; waiters see it through their own await
  }

  /** Ends a session and removes its sandbox; ending one twice waits for the first. Never rejects. */
  end(session: Session, reason: EndReason): Promise<void> {
    const pending = this.ending.get(session.id);
    if (pending) return pending;
    if (session.ended.aborted) return Promise.resolve();
    this.byId.delete(session.id);
    this.recount();
    session.end(reason);
    this.pool.adjust();
    if (reason === 'idle' || reason === 'expired') {
      this.metrics.sandboxesReaped.inc({ reason });
    }
    // A start still under way is cancelled by session.end() above; it must settle before removal,
    // or it could create something after stop() has looked.
    let cpuSeconds: number | undefined;
    const done = session.ready
      .catch(() => {})
      .then(async () => {
        // Only a sandbox that ran has CPU time to tell; one ended while queued has no container.
        if (session.state === 'ready') {
          cpuSeconds = await this.driver.cpuSeconds(session.id).catch(() => undefined);
          if (cpuSeconds !== undefined) this.metrics.sandboxCpuSeconds.observe(cpuSeconds);
        }
        await this.driver.stop(session.id);
      })
      .then(
        () =>
          this.log.info(
            { session: session.id, event: 'sandbox_removed', reason, cpuSeconds },
            'sandbox removed',
          ),
        // The periodic sweep removes whatever is left, so a failure here loses nothing.
        (error: unknown) =>
          this.log.warn({ session: session.id, err: error }, 'sandbox removal failed; sweep will retry'),
      )
      .finally(() => this.ending.delete(session.id));
    this.ending.set(session.id, done);
    return done;
  }

  /** Whether adopt() has run: until the driver answers once, the sandboxes it holds are unknown. */
  get adopted(): boolean {
    return this.adoptedYet;
  }

  /** Takes over the sandboxes a previous run of this server left, and removes expired or broken ones. */
  async adopt(): Promise<void> {
    const now = Date.now();
    for (const record of await this.driver.list()) {
      if (this.byId.has(record.sessionId) || this.ending.has(record.sessionId)) continue;
      if (!record.running || record.expiresAt.getTime() <= now) continue; // swept below
      const session = new Session(record.sessionId, record.clientAddress, record.createdAt, record.expiresAt);
      session.ready = this.driver.ready(session.id, { signal: session.ended }).then(() => {
        session.state = 'ready';
        this.recount();
      });
      session.ready.catch((error: unknown) => {
        if (session.ended.aborted) return;
        this.log.warn({ session: session.id, err: error }, 'adopted sandbox never became ready');
        void this.end(session, 'failed');
      });
      this.byId.set(session.id, session);
      this.log.info({ session: session.id, event: 'sandbox_adopted' }, 'sandbox adopted');
    }
    this.recount();
    await this.sweep();
    this.adoptedYet = true;
    this.pool.adjust();
  }

  /** Removes resources of sessions this server does not hold: expired while it was down, or leaked. */
  async sweep(): Promise<void> {
    const keep = new Set([...this.byId.keys(), ...this.ending.keys(), ...this.pool.ids()]);
    const removed = await this.driver.sweep(keep);
    if (removed > 0) {
      this.metrics.sandboxesReaped.inc({ reason: 'orphaned' }, removed);
      this.log.info({ event: 'orphans_removed', count: removed }, 'removed resources of ended sessions');
    }
  }

  /** Forgets creations older than the rate's window. */
  pruneCreations(): void {
    this.creations.prune();
  }

  /** Removes the warm pool's sandboxes and stops refilling it: for shutdown. */
  closePool(): Promise<void> {
    return this.pool.close();
  }

  /** Waits for sandbox removals still under way. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.ending.values()]);
  }

  private recount(): void {
    const sessions = this.all();
    this.metrics.sessions.set({ state: 'starting' }, sessions.filter((s) => s.state === 'starting').length);
    this.metrics.sessions.set({ state: 'ready' }, sessions.filter((s) => s.state === 'ready').length);
  }
}
