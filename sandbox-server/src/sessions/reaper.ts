import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { SandboxLifecycle, SandboxMetering } from '../sandboxes/driver.ts';
import type { Sessions } from './sessions.ts';

/** How often leaked resources are swept, in ticks. */
const SWEEP_EVERY_TICKS = 12;
/** How often sandboxes are checked for having died under their session, in ticks. */
const LOST_EVERY_TICKS = 3;
/** A session this young may be ready before its owner is recorded, so it is not listed yet. */
const LISTED_WITHIN_MS = 30_000;
const DISK_UNSEEN =
  "sandbox disk use cannot be measured for the metrics: the driver cannot see the sandboxes' disks from this server (with Docker: run it on the engine's host, as root); the kernel still holds each sandbox to BERTH_SANDBOX_DISK";

/**
 * Ends sessions that are over: idle, expired, or whose sandbox died; measures what sandboxes use;
 * and sweeps what ended sessions left behind. Until the engine first answers, it adopts instead.
 */
export class Reaper {
  private ticks = 0;
  /** Set once the sandboxes' storage proved invisible from here; said once in the log. */
  private diskUnseen = false;

  constructor(
    private readonly sessions: Sessions,
    private readonly driver: SandboxLifecycle & SandboxMetering,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** One pass. */
  async reap(now = Date.now()): Promise<void> {
    if (!this.sessions.adopted) {
      // The engine was down when the server started; adopt as soon as it answers.
      if (!(await this.driver.answers())) return;
      await this.sessions.adopt();
    }
    const idleMs = this.config.idleTimeoutSeconds * 1000;
    const endings: Promise<void>[] = [];
    for (const session of this.sessions.all()) {
      if (now >= session.expiresAt.getTime()) endings.push(this.sessions.end(session, 'expired'));
      else if (now - session.lastInputAt >= idleMs) endings.push(this.sessions.end(session, 'idle'));
    }
    await Promise.allSettled(endings);
    await this.measureDisks();
    this.sessions.pruneCreations();
    this.ticks++;
    if (this.ticks % LOST_EVERY_TICKS === 0) await this.endLost(now);
    if (this.ticks % SWEEP_EVERY_TICKS === 0) await this.sessions.sweep();
  }

  /**
   * Ends the ready sessions whose sandbox stopped or vanished under them (killed for memory,
   * removed by hand), so the reader is told and the place is freed, instead of a dead terminal.
   */
  private async endLost(now: number): Promise<void> {
    const records = new Map((await this.driver.list()).map((record) => [record.sessionId, record]));
    for (const session of this.sessions.all()) {
      if (session.state !== 'ready' || session.ended.aborted) continue;
      const record = records.get(session.id);
      if (record?.running) {
        // A host of theirs that died alone is removed alone: node1 and the others live on.
        for (const host of session.hosts.names()) {
          if (session.hosts.stateOf(host) !== 'ready' || record.hosts.includes(host)) continue;
          this.log.warn({ session: session.id, host, event: 'host_lost' }, 'a host died under its session');
          void this.sessions.removeHost(session, host).catch(() => {});
        }
        continue;
      }
      if (!record && now - session.createdAt.getTime() < LISTED_WITHIN_MS) continue;
      this.log.warn(
        { session: session.id, event: 'sandbox_lost', found: record ? 'stopped' : 'missing' },
        'sandbox died under its session',
      );
      void this.sessions.end(session, 'failed');
    }
  }

  /**
   * Measures what every ready sandbox holds of its disk, for the metrics: the kernel enforces the
   * size. All look at once, and the driver bounds each look, so no sandbox holds up the reaper.
   */
  private async measureDisks(): Promise<void> {
    if (this.diskUnseen) return;
    const ready = this.sessions
      .all()
      .filter((session) => session.state === 'ready' && !session.ended.aborted);
    const used = await Promise.allSettled(
      ready.map((session) => this.driver.diskUsage(session.id, session.hosts.names())),
    );
    if (used.some((result) => result.status === 'fulfilled' && result.value === undefined)) {
      this.log.warn({ event: 'disk_unwatched' }, DISK_UNSEEN);
      this.diskUnseen = true;
      return;
    }
    const bytes = used.map((result) => (result.status === 'fulfilled' ? (result.value ?? 0) : 0));
    this.metrics.sandboxDiskBytes.set(bytes.reduce((sum, value) => sum + value, 0));
  }

  /** Runs often enough for the shortest timeout to be honoured within a tenth of it; returns how to stop. */
  start(): () => void {
    const shortest = Math.min(this.config.idleTimeoutSeconds, this.config.lifetimeSeconds) * 1000;
    const interval = Math.min(10_000, Math.max(250, shortest / 10));
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.reap()
        .catch((error: unknown) => this.log.warn({ err: error }, 'reaper pass failed'))
        .finally(() => {
          running = false;
        });
    }, interval);
    return () => clearInterval(timer);
  }
}
