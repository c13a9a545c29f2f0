import type { Duplex, Readable } from 'node:stream';
import type { TerminalSize } from '../contract/terminal.ts';
import type { HostName } from './hosts.ts';

/**
 * What a sandbox driver is: a small lifecycle (after JupyterHub's Spawner: start, stop, poll and
 * the state to adopt), with access to a sandbox and metering of it beside it. Sessions, the pool,
 * the terminals and the views know only these; `docker/` fills them with containers on one
 * Docker engine, and `testing/fake-driver.ts` with nothing at all.
 */

/** Who a sandbox is for. A sandbox started for the warm pool has none until a session takes it. */
export type SandboxOwner = { clientAddress: string; createdAt: Date; expiresAt: Date };

/**
 * A sandbox as the driver finds it: enough for a restarted server to take its session back.
 * `running` is node1's; `hosts` are the reader's hosts whose containers run, node1 among them.
 */
export type SandboxRecord = SandboxOwner & {
  sessionId: string;
  running: boolean;
  hosts: HostName[];
  /** The session's share links, so that they outlive a server restart as the session does. */
  shares: ShareRecord[];
};

/**
 * A share link as the driver keeps it: the SHA-256 of its token (never the token), what it lets a
 * guest do, and when it was made.
 */
export type ShareRecord = { id: string; kind: 'watch' | 'drive'; createdAt: Date };

/** How far a start has come, for the log and whoever waits on it. */
export type StartStep = 'queued' | 'creating' | 'booting' | 'ready';

export type StartOptions = {
  /** Aborting it stops the start, which then rejects; a driver removes what a failed start made. */
  signal: AbortSignal;
  progress?: (step: StartStep) => void;
};

export interface SandboxLifecycle {
  /** Whether the driver's backend (the engine) answers now, within a few seconds. */
  answers(): Promise<boolean>;
  /** Throws a SandboxError when no sandbox could be started now (engine down, image missing). */
  preflight(): Promise<void>;
  /**
   * Creates the sandbox, its network and its first host (node1), and resolves once a shell can be
   * had in it; its Docker engine starts on first use.
   */
  start(sessionId: string, owner: SandboxOwner | undefined, options: StartOptions): Promise<void>;
  /** Adds a host to a started sandbox, on its network, and resolves once a shell can be had in it. */
  addHost(sessionId: string, host: HostName, owner: SandboxOwner, options: StartOptions): Promise<void>;
  /** Removes one host and its disk; one already gone is no error. node1 goes only with stop(). */
  removeHost(sessionId: string, host: HostName): Promise<void>;
  /** Records the owner of a sandbox started without one; list() reports it from then on. */
  own(sessionId: string, owner: SandboxOwner): Promise<void>;
  /** Keeps a share link with the sandbox: list() reports it until forgotten or the sandbox stops. */
  recordShare(sessionId: string, share: ShareRecord): Promise<void>;
  /** Forgets a share link; one already forgotten is no error. */
  forgetShare(sessionId: string, shareId: string): Promise<void>;
  /** Waits until a host of an existing (adopted) sandbox is ready again, or the signal aborts. */
  ready(sessionId: string, host: HostName, options: StartOptions): Promise<void>;
  /** Removes the sandbox, every host of it and everything they made; one already gone is no error. */
  stop(sessionId: string): Promise<void>;
  /** The owned sandboxes of this server, running or not; sandboxes without an owner are not listed. */
  list(): Promise<SandboxRecord[]>;
  /** Removes everything this server made whose session is not in `keep`; returns how many sessions. */
  sweep(keep: ReadonlySet<string>): Promise<number>;
}

/**
 * A terminal process attached over one connection: raw bytes both ways on `stream`. A stream
 * destroyed with an error is an attach that failed, not a shell that ended; the driver has a
 * listener for 'error' from the start and logs it.
 */
export type TerminalStream = {
  stream: Duplex;
  resize(size: TerminalSize): Promise<void>;
  /** Called with the terminal's size as it is now, then after every resize, whoever made it. */
  onSize(listener: (size: TerminalSize) => void): void;
  /** The exit code of the terminal's process, once `stream` has ended. */
  exitCode(): Promise<number>;
  /** Lets go of the terminal; its shell lives on for the next attach. */
  detach(): Promise<void>;
};

export type AttachOptions = { as: 'guest'; existing: boolean };

/** Nothing the reader may read at a path asked for. */
export class NoSuchPath extends Error {
  constructor(readonly path: string) {
    super(`nothing readable at ${path}`);
    this.name = 'NoSuchPath';
  }
}

/** Where an upload's files went, and the members left out for leaving that directory (`../x`). */
export type FilesIn = { directory: string; skipped: string[] };

/** A guest asked to watch a terminal that has no shell: a guest never starts one. */
export class NoSuchTerminal extends Error {
  constructor(name: string) {
    super(`no terminal ${name}`);
    this.name = 'NoSuchTerminal';
  }
}

/** Each access is to one host of the sandbox: node1 unless a reader added others. */
export interface SandboxAccess {
  /**
   * Attaches to the terminal `name`, starting its shell the first time (at `size`), and sets it
   * to `size`. A guest's attach (`as: 'guest'`) leaves the size as it is; with `existing` it
   * starts no shell, and rejects with NoSuchTerminal when there is none.
   */
  openTerminal(
    sessionId: string,
    host: HostName,
    name: string,
    size: TerminalSize,
    options?: AttachOptions,
  ): Promise<TerminalStream>;
  /** Ends a terminal's shell and everything running in it; a terminal that never was is no error. */
  closeTerminal(sessionId: string, host: HostName, name: string): Promise<void>;
  /**
   * Runs a program in the sandbox as its root, with no shell in between: `argv` is passed as it is.
   * Resolves with its standard output (the first MiB), which is the sandbox's to choose, so callers
   * treat it as untrusted input. Throws a SandboxError `unresponsive` when it does not answer in time.
   */
  exec(sessionId: string, host: HostName, argv: string[]): Promise<string>;
  /** A TCP connection to `port` on the sandbox's own loopback, made from inside the sandbox. */
  connect(sessionId: string, host: HostName, port: number): Promise<Duplex>;
  /**
   * Unpacks `archive`, a tar stream, as the reader, where terminal `terminal`'s shell is (its
   * working directory; the reader's home when it has no shell). Throws a SandboxError `refused`
   * with tar's words when tar fails (no room, a bad archive).
   */
  putFiles(sessionId: string, host: HostName, terminal: string, archive: Readable): Promise<FilesIn>;
  /**
   * The file or folder at `path` (absolute, or from where terminal `terminal`'s shell is) as a
   * tar stream holding its last part, as the reader reads it. Rejects with NoSuchPath.
   */
  getFiles(sessionId: string, host: HostName, terminal: string, path: string): Promise<Readable>;
}

/** What a sandbox uses, the hosts named together (the session knows which it has). */
export interface SandboxMetering {
  /**
   * Bytes of their disks the hosts use now (their files and their inner engines'), measured in
   * one bounded look each. Undefined when this server cannot see the sandboxes' storage.
   */
  diskUsage(sessionId: string, hosts: readonly HostName[]): Promise<number | undefined>;
  /** CPU time the hosts have used since they started, in seconds; undefined when it cannot be seen. */
  cpuSeconds(sessionId: string, hosts: readonly HostName[]): Promise<number | undefined>;
}

export type SandboxDriver = SandboxLifecycle & SandboxAccess & SandboxMetering;

/**
 * Why a driver could not do what it was asked, in its own terms; the routes say it to the reader
 * (errors/sandbox-errors.ts). `message` is for the log, except for `image_missing`, whose message
 * names the image and the fix for the operator.
 */
export type SandboxErrorKind =
  /** The backend does not answer. */
  | 'engine_unavailable'
  /** The sandbox image is not there to start from. */
  | 'image_missing'
  /** The backend has no room for another sandbox (networks, addresses). */
  | 'no_room'
  /** The sandbox did not answer in time: stopped, gone, or too busy. */
  | 'unresponsive'
  /** A program in the sandbox refused what was asked of it; `message` is its words, bounded. */
  | 'refused';

export class SandboxError extends Error {
  constructor(
    readonly kind: SandboxErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}
