import { Duplex, PassThrough, Readable } from 'node:stream';
import type { TerminalSize } from '../contract/terminal.ts';
import {
  type AttachOptions,
  type FilesIn,
  NoSuchPath,
  NoSuchTerminal,
  type SandboxDriver,
  SandboxError,
  type SandboxOwner,
  type SandboxRecord,
  type ShareRecord,
  type StartOptions,
  type TerminalStream,
} from '../sandboxes/driver.ts';
import { byHostNumber, FIRST_HOST, type HostName } from '../sandboxes/hosts.ts';

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
  /** The terminals whose shell was started, as `host/name`: a guest's attach starts none. */
  shells: Set<string>;
  shares: Map<string, ShareRecord>;
  /** The hosts added beside node1 and whether each runs. */
  hosts: Map<HostName, { running: boolean }>;
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
  execAnswer: (argv: string[], host: HostName) => string = () => '';
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
    this.sandboxes.set(sessionId, {
      owner,
      running: true,
      ready: false,
      terminals: new Set(),
      shells: new Set(),
      shares: new Map(),
      hosts: new Map(),
    });
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

  async addHost(
    sessionId: string,
    host: HostName,
    _owner: SandboxOwner,
    options: StartOptions,
  ): Promise<void> {
    this.log.push(`add ${host} ${sessionId.slice(0, 8)}`);
    const sandbox = this.running(sessionId, FIRST_HOST);
    sandbox.hosts.set(host, { running: true });
    try {
      await this.boot(options.signal);
    } catch (error) {
      sandbox.hosts.delete(host);
      throw error;
    }
  }

  async removeHost(sessionId: string, host: HostName): Promise<void> {
    this.log.push(`remove ${host} ${sessionId.slice(0, 8)}`);
    this.sandboxes.get(sessionId)?.hosts.delete(host);
  }

  async own(sessionId: string, owner: SandboxOwner): Promise<void> {
    this.log.push(`own ${sessionId.slice(0, 8)}`);
    await this.ownGate;
    if (!this.engineUp) throw new SandboxError('engine_unavailable', 'the fake engine is down');
    const sandbox = this.sandboxes.get(sessionId);
    if (sandbox) sandbox.owner = owner;
  }

  async ready(sessionId: string, host: HostName, options: StartOptions): Promise<void> {
    options.signal.throwIfAborted();
    const sandbox = this.running(sessionId, host);
    if (host === FIRST_HOST) sandbox.ready = true;
  }

  async stop(sessionId: string): Promise<void> {
    this.log.push(`stop ${sessionId.slice(0, 8)}`);
    this.die(sessionId);
    this.sandboxes.delete(sessionId);
  }

  async list(): Promise<SandboxRecord[]> {
    if (!this.engineUp) throw new SandboxError('engine_unavailable', 'the fake engine is down');
    return [...this.sandboxes].flatMap(([sessionId, { owner, running, hosts, shares }]) => {
      const added = [...hosts].filter(([, host]) => host.running).map(([name]) => name);
      const all = byHostNumber([...(running ? [FIRST_HOST] : []), ...added]);
      return owner ? [{ sessionId, ...owner, running, hosts: all, shares: [...shares.values()] }] : [];
    });
  }

  async recordShare(sessionId: string, share: ShareRecord): Promise<void> {
    if (!this.engineUp) throw new SandboxError('engine_unavailable', 'the fake engine is down');
    this.sandboxes.get(sessionId)?.shares.set(share.id, share);
  }

  async forgetShare(sessionId: string, shareId: string): Promise<void> {
    this.sandboxes.get(sessionId)?.shares.delete(shareId);
  }

  async sweep(keep: ReadonlySet<string>): Promise<number> {
    const orphans = [...this.sandboxes.keys()].filter((id) => !keep.has(id));
    for (const id of orphans) await this.stop(id);
    return orphans.length;
  }

  async openTerminal(
    sessionId: string,
    host: HostName,
    name: string,
    size: TerminalSize,
    options?: AttachOptions,
  ): Promise<TerminalStream> {
    const sandbox = this.running(sessionId, host);
    const shell = `${host}/${name}`;
    if (options?.existing && !sandbox.shells.has(shell)) throw new NoSuchTerminal(name);
    sandbox.shells.add(shell);
    const echo = new PassThrough();
    sandbox.terminals.add(echo);
    echo.once('end', () => sandbox.terminals.delete(echo));
    const stream = Duplex.from({ readable: echo, writable: echo });
    return {
      stream,
      resize: async () => {},
      onSize: (listener) => listener(size),
      exitCode: async () => (sandbox.running ? 0 : 137),
      detach: async () => {
        stream.destroy();
      },
    };
  }

  async closeTerminal(sessionId: string, host: HostName, name: string): Promise<void> {
    this.running(sessionId, host).shells.delete(`${host}/${name}`);
  }

  async exec(sessionId: string, host: HostName, argv: string[]): Promise<string> {
    this.running(sessionId, host);
    return this.execAnswer(argv, host);
  }

  async connect(sessionId: string, host: HostName): Promise<Duplex> {
    this.running(sessionId, host);
    return new PassThrough();
  }

  /** What uploads brought, by session: the archives' bytes, as a tar would unpack them. */
  readonly uploads = new Map<string, Buffer[]>();

  async putFiles(sessionId: string, host: HostName, _terminal: string, archive: Readable): Promise<FilesIn> {
    this.running(sessionId, host);
    const chunks: Buffer[] = [];
    for await (const chunk of archive) chunks.push(chunk as Buffer);
    this.uploads.set(sessionId, [...(this.uploads.get(sessionId) ?? []), Buffer.concat(chunks)]);
    return { directory: '/home/reader', skipped: [] };
  }

  /** The last upload's archive, for any path but `missing`. */
  async getFiles(sessionId: string, host: HostName, _terminal: string, path: string): Promise<Readable> {
    this.running(sessionId, host);
    const last = this.uploads.get(sessionId)?.at(-1);
    if (!last || path === 'missing') throw new NoSuchPath(path);
    return Readable.from([last]);
  }

  async diskUsage(sessionId: string): Promise<number | undefined> {
    return this.sandboxes.has(sessionId) ? 4096 : undefined;
  }

  async cpuSeconds(sessionId: string): Promise<number | undefined> {
    return this.sandboxes.has(sessionId) ? 1.5 : undefined;
  }

  /** The sandbox, when the host asked for runs in it. */
  private running(sessionId: string, host: HostName): FakeSandbox {
    const sandbox = this.sandboxes.get(sessionId);
    const up = host === FIRST_HOST ? sandbox?.running : sandbox?.running && sandbox.hosts.get(host)?.running;
    if (!sandbox || !up) throw new SandboxError('unresponsive', `the fake sandbox's ${host} is not running`);
    return sandbox;
  }
}
