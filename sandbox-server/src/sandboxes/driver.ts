import type { Duplex } from 'node:stream';

/** What a sandbox is created for; the driver stores it with the sandbox so a restarted server can find it. */
export type SandboxSpec = {
  sessionId: string;
  clientAddress: string;
  createdAt: Date;
  expiresAt: Date;
};

export type SandboxRecord = SandboxSpec & { running: boolean };

export type { TerminalSize } from '../contract/terminal.ts';

import type { TerminalSize } from '../contract/terminal.ts';

/** A terminal process attached over one connection: raw bytes both ways on `stream`. */
export type TerminalStream = {
  stream: Duplex;
  resize(size: TerminalSize): Promise<void>;
  /** The exit code of the terminal's process, once `stream` has ended. */
  exitCode(): Promise<number>;
  /** Lets go of the terminal; its shell lives on for the next attach. */
  detach(): Promise<void>;
};

/**
 * The sandbox lifecycle, kept this small (after JupyterHub's Spawner) so a second driver —
 * Kubernetes pods, a microVM runtime — fits behind it.
 */
export interface SandboxDriver {
  /** Throws an ApiError when no sandbox could be started now (engine down, image missing). */
  preflight(): Promise<void>;
  /**
   * Creates the sandbox and resolves once its Docker engine answers. When `signal` aborts it stops
   * creating and rejects, leaving what it made for stop() to remove.
   */
  start(spec: SandboxSpec, signal: AbortSignal): Promise<void>;
  /**
   * Starts a sandbox for the warm pool, like start() but before any reader asked: its session is
   * recorded by claim() when one does. Unclaimed, it is not listed, so the next sweep removes it.
   */
  startPooled(sessionId: string, signal: AbortSignal): Promise<void>;
  /** Records that a reader's session took the pooled sandbox `spec.sessionId`; list() reports it from then on. */
  claim(spec: SandboxSpec): Promise<void>;
  /** Waits until an existing (e.g. re-adopted) sandbox is ready, or `signal` aborts. */
  waitReady(sessionId: string, signal: AbortSignal): Promise<void>;
  /** Removes the sandbox and everything it made; a sandbox already gone is no error. */
  stop(sessionId: string): Promise<void>;
  /** The sandboxes of this server's sessions, as the engine sees them (unclaimed pooled ones are not). */
  list(): Promise<SandboxRecord[]>;
  /** Removes every resource this server owns whose session is not in `keep`; returns how many sessions. */
  sweep(keep: ReadonlySet<string>): Promise<number>;
  openTerminal(sessionId: string, name: string, size: TerminalSize): Promise<TerminalStream>;
  /** Ends a terminal's shell and everything running in it; a terminal that never was is no error. */
  closeTerminal(sessionId: string, name: string): Promise<void>;
  /**
   * Runs a program in the sandbox as its root, with no shell in between: `argv` is passed as it is.
   * Resolves with its standard output, which is the sandbox's to choose, so callers treat it as
   * untrusted input. Throws `sandbox_unavailable` when the sandbox does not answer in time.
   */
  exec(sessionId: string, argv: string[]): Promise<string>;
  /** A TCP connection to `port` on the sandbox's own loopback, made from inside the sandbox. */
  connect(sessionId: string, port: number): Promise<Duplex>;
  /**
   * Bytes of its disk the sandbox uses now: its own files and its inner engine's (images,
   * containers, volumes), on a file system of its own whose size the kernel enforces, measured
   * from outside in one look of at most a few seconds. Undefined when this server cannot see the
   * engine's storage.
   */
  diskUsage(sessionId: string): Promise<number | undefined>;
  engineAnswers(): Promise<boolean>;
}
