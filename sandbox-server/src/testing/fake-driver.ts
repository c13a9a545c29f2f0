import { Duplex, PassThrough } from 'node:stream';
import type { TerminalSize } from '../contract/terminal.ts';
import {
  type SandboxDriver,
  SandboxError,
  type SandboxOwner,
  type SandboxRecord,
  type StartOptions,
  type TerminalStream,
} from '../sandboxes/driver.ts';

/** How a fake's starts go (after JupyterHub's MockSpawner family). */
export type FakeStart =
  /** Ready at once. */
  | { kind: 'ready' }
  /** Ready after `ms`. */
  | { kind: 'slow'; ms: number }
  /** Never ready: the start waits until it is cancelled. */
  | { kind: 'never' }
  /** Fails after `ms` with `error`. */
  | { kind: 'failing'; ms: number; error: Error };

type FakeSandbox = {
  owner: SandboxOwner | undefined;
  running: boolean;
  ready: boolean;
  terminals: Set<PassThrough>;
};

/**
 * A driver with no sandboxes behind it: the logic above the driver (sessions, pool, reaper,
 * limits, routes) runs against it in milliseconds. Its sandboxes are records in a map; a terminal
 * echoes what it is sent; exec answers from `execAnswer`. Tests change `start`, `engineUp` and
 * call `die()` between steps; `log` says what the driver was asked, in order.
 */
export class FakeDriver implements SandboxDriver {
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly log: string[] = [];
  engineUp = true;
  execAnswer: (argv: string[]) => string = () => '';
  /** What own() waits for before it records the owner: a slow engine, when a test holds it. */
  ownGate: Promise<void> = Promise.resolve();

  constructor(public behaviour: FakeStart = { kind: 'ready' }) {}

  static readyAtOnce(): FakeDriver {
    return new FakeDriver({ kind: 'ready' });
  }

  static slow(ms: number): FakeDriver {
    return new FakeDriver({ kind: 'slow', ms });
  }

  static neverReady(): FakeDriver {
    return new FakeDriver({ kind: 'never' });
  }

  static failing(ms = 0, error = new Error('the fake sandbox failed to start')): FakeDriver {
    return new FakeDriver({ kind: 'failing', ms, error });
  }

  /** The sandbox dies under its session, as if killed for memory: its terminals end, exec fails. */
  die(sessionId: string): void {
    const sandbox = this.sandboxes.get(sessionId);
    if (!sandbox) return;
    sandbox.running = false;
    for (const terminal of sandbox.terminals) terminal.end();
  }

  /** Sandboxes the fake holds now, owned or not. */
  get count(): number {
    return this.sandboxes.size;
  }

  async answers(): Promise<boolean> {
    return this.engineUp;
  }

  async preflight(): Promise<void> {
    this.log.push('preflight');
    if (!this.engineUp) throw new SandboxError('engine_unavailable', 'the fake engine is down');
  }

  async start(sessionId: string, owner: SandboxOwner | undefined, options: StartOptions): Promise<void> {
    this.log.push(`start ${sessionId.slice(0, 8)}${owner ? '' : ' (unowned)'}`);
    options.progress?.('creating');
    this.sandboxes.set(sessionId, { owner, running: true, ready: false, terminals: new Set() });
    await this.boot(options.signal);
    const sandbox = this.sandboxes.get(sessionId);
    if (sandbox) sandbox.ready = true;
    options.progress?.('ready');
  }

  private async boot(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const start = this.behaviour;
    if (start.kind === 'ready') return;
    const ms = start.kind === 'never' ? Number.POSITIVE_INFINITY : start.ms;
    await new Promise<void>((resolve, reject) => {
      const timer = Number.isFinite(ms) ? setTimeout(resolve, ms) : undefined;
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(new Error('fake start cancelled'));
        },
        { once: true },
      );
    });
    if (start.kind === 'failing') throw start.error;
  }

  async own(sessionId: string, owner: SandboxOwner): Promise<void> {
    this.log.push(`own ${sessionId.slice(0, 8)}`);
    await this.ownGate;
    if (!this.engineUp) throw new SandboxError('engine_unavailable', 'the fake engine is down');
    const sandbox = this.sandboxes.get(sessionId);
    if (sandbox) sandbox.owner = owner;
  }

  async ready(sessionId: string, options: StartOptions): Promise<void> {
    options.signal.throwIfAborted();
    const sandbox = this.sandboxes.get(sessionId);
    if (!sandbox?.running) throw new Error('the fake sandbox is not running');
    sandbox.ready = true;
  }

  async stop(sessionId: string): Promise<void> {
    this.log.push(`stop ${sessionId.slice(0, 8)}`);
    this.die(sessionId);
    this.sandboxes.delete(sessionId);
  }

  async list(): Promise<SandboxRecord[]> {
    if (!this.engineUp) throw new SandboxError('engine_unavailable', 'the fake engine is down');
    return [...this.sandboxes].flatMap(([sessionId, { owner, running }]) =>
      owner ? [{ sessionId, ...owner, running }] : [],
    );
  }

  async sweep(keep: ReadonlySet<string>): Promise<number> {
    const orphans = [...this.sandboxes.keys()].filter((id) => !keep.has(id));
    for (const id of orphans) await this.stop(id);
    return orphans.length;
  }

  async openTerminal(sessionId: string, _name: string, _size: TerminalSize): Promise<TerminalStream> {
    const sandbox = this.running(sessionId);
    const echo = new PassThrough();
    sandbox.terminals.add(echo);
    echo.once('end', () => sandbox.terminals.delete(echo));
    const stream = Duplex.from({ readable: echo, writable: echo });
    return {
      stream,
      resize: async () => {},
      exitCode: async () => (sandbox.running ? 0 : 137),
      detach: async () => {
        stream.destroy();
      },
    };
  }

  async closeTerminal(sessionId: string): Promise<void> {
    this.running(sessionId);
  }

  async exec(sessionId: string, argv: string[]): Promise<string> {
    this.running(sessionId);
    return this.execAnswer(argv);
  }

  async connect(sessionId: string): Promise<Duplex> {
    this.running(sessionId);
    return new PassThrough();
  }

  async diskUsage(sessionId: string): Promise<number | undefined> {
    return this.sandboxes.has(sessionId) ? 4096 : undefined;
  }

  async cpuSeconds(sessionId: string): Promise<number | undefined> {
    return this.sandboxes.has(sessionId) ? 1.5 : undefined;
  }

  private running(sessionId: string): FakeSandbox {
    const sandbox = this.sandboxes.get(sessionId);
    if (!sandbox?.running) throw new SandboxError('unresponsive', 'the fake sandbox is not running');
    return sandbox;
  }
}
