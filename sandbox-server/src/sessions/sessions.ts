import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { ApiError } from '../errors/index.ts';
import type { Metrics } from '../metrics/index.ts';
import { type PooledSandbox, WarmPool } from '../pool/warm-pool.ts';
import type { SandboxAccess, SandboxLifecycle, SandboxMetering, StartStep } from '../sandboxes/driver.ts';
import { FIRST_HOST, type HostName, nextHost } from '../sandboxes/hosts.ts';
import { type ShareLink, shareAddress } from '../sharing/share-links.ts';
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
    private readonly driver: SandboxLifecycle & SandboxMetering & Pick<SandboxAccess, 'exec'>,
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
      room: () => config.maxSandboxes - this.hostsInUse(),
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

  /** The session and link a share token names, when the link is live. */
  fromShareToken(token: string | undefined): { session: Session; link: ShareLink } | undefined {
    const id = token === undefined ? undefined : sessionIdFor(token);
    if (id === undefined) return undefined;
    const address = shareAddress(id);
    for (const session of this.byId.values()) {
      const link = session.links.get(address);
      if (link?.record.id === id) return { session, link };
    }
    return undefined;
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
    if (this.hostsInUse() >= this.config.maxSandboxes) {
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
    const from = pooled ? 'pool' : 'cold';
    try {
      if (pooled) {
        this.follow(session, this.fromPool(session, pooled), from);
        // The session's own expiry and client are recorded before its reader hears of it.
        await this.driver.own(id, session.owner);
      } else {
        await this.driver.preflight();
        const progress = (step: StartStep) =>
          this.log.debug({ session: id, event: 'sandbox_start_step', step }, `sandbox start: ${step}`);
        progress('queued');
        const queued = this.admission.start({ client: clientAddress, signal: session.ended }, () =>
          this.driver.start(id, session.owner, { signal: session.ended, progress }),
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

  /** Every reader's hosts together, node1s included: what the server's maximum counts. */
  hostsInUse(): number {
    let hosts = 0;
    for (const session of this.byId.values()) hosts += session.hosts.count;
    return hosts;
  }

  /**
   * Starts hosts for a ready session until it has `atLeast` (one more when undefined), each
   * through the admission queue as any start; returns the hosts now starting. Refused past the
   * reader's hosts or the server's maximum.
   */
  addHosts(session: Session, atLeast?: number): HostName[] {
    whenReady(session);
    const max = this.config.sandbox.hostsPerReader;
    const wanted = atLeast ?? session.hosts.count + 1;
    if (wanted > max) {
      throw new ApiError(
        'too_many_hosts',
        `A reader may have ${max} hosts at most; remove one before adding another.`,
      );
    }
    const missing = wanted - session.hosts.count;
    if (missing > 0 && this.hostsInUse() + missing > this.config.maxSandboxes) {
      throw atCapacity(this.all(), this.config.idleTimeoutSeconds, Date.now());
    }
    const started: HostName[] = [];
    for (let i = 0; i < missing; i++) {
      const host = nextHost(session.hosts.names(), max);
      if (!host) break;
      started.push(host);
      this.startHost(session, host);
    }
    if (started.length > 0) this.nameHosts(session);
    return started;
  }

  private startHost(session: Session, host: HostName): void {
    const startedAt = performance.now();
    const { ready, signal } = session.hosts.add(
      host,
      (signal) =>
        this.admission.start({ client: session.clientAddress, signal }, () =>
          this.driver.addHost(session.id, host, session.owner, { signal }),
        ).result,
      session.ended,
    );
    this.pool.adjust();
    this.log.info({ session: session.id, host, event: 'host_adding' }, 'adding a host');
    ready.then(
      () => {
        const seconds = (performance.now() - startedAt) / 1000;
        this.log.info({ session: session.id, host, event: 'host_ready', seconds }, 'host ready');
        this.nameHosts(session);
      },
      (error: unknown) => {
        if (!signal.aborted) {
          this.log.error(
            { session: session.id, host, event: 'host_failed', err: error },
            'host failed to start',
          );
        }
        session.hosts.delete(host);
        this.pool.adjust();
        this.nameHosts(session);
      },
    );
  }

  /** Removes one of a session's added hosts and its disk; node1 goes only with the session. */
  async removeHost(session: Session, host: HostName): Promise<void> {
    if (host === FIRST_HOST) {
      throw new ApiError('host_required', 'node1 is the sandbox itself: end the session to remove it.');
    }
    const starting = session.hosts.readyOf(host);
    session.hosts.delete(host);
    // A start still under way must settle before removal, or it could create after the removal looked.
    await starting?.catch(() => {});
    await this.driver.removeHost(session.id, host);
    session.terminalClosed(host);
    this.log.info({ session: session.id, host, event: 'host_removed' }, 'host removed');
    this.pool.adjust();
    this.nameHosts(session);
  }

  /**
   * Tells every ready host of a session the names of all its hosts (/etc/hosts); a host that
   * does not answer keeps the names it had, which the next change rewrites.
   */
  private nameHosts(session: Session): void {
    const names = session.hosts.names();
    for (const host of names) {
      if (session.hostState(host) !== 'ready' || session.ended.aborted) continue;
      this.driver
        .exec(session.id, host, ['/usr/local/sbin/berth-hosts', ...names])
        .catch((error: unknown) =>
          this.log.warn({ session: session.id, host, err: error }, 'could not name the hosts'),
        );
    }
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
          cpuSeconds = await this.driver.cpuSeconds(session.id, session.hosts.names()).catch(() => undefined);
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
      for (const share of record.shares) session.links.add(share);
      session.ready = this.driver.ready(session.id, FIRST_HOST, { signal: session.ended }).then(() => {
        session.state = 'ready';
        this.recount();
        this.nameHosts(session);
      });
      for (const host of record.hosts.filter((name) => name !== FIRST_HOST)) {
        const { ready, signal } = session.hosts.add(
          host,
          (signal) => this.driver.ready(session.id, host, { signal }),
          session.ended,
        );
        ready.then(
          () => this.nameHosts(session),
          () => {
            if (signal.aborted) return;
            this.log.warn({ session: session.id, host }, 'adopted host never became ready; removing it');
            void this.removeHost(session, host).catch(() => {});
          },
        );
      }
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
