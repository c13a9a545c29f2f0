export type SessionState = 'starting' | 'ready';
export type EndReason = 'deleted' | 'idle' | 'expired' | 'failed' | 'orphaned';

/** One reader's session: its sandbox's lifecycle and what the terminals need to know of it. */
export class Session {
  state: SessionState = 'starting';
  lastInputAt: number;
  /** Settles when the sandbox is ready, or rejects when it failed to start. */
  ready: Promise<void> = Promise.resolve();
  private readonly endController = new AbortController();

  constructor(
    readonly id: string,
    readonly clientAddress: string,
    readonly createdAt: Date,
    readonly expiresAt: Date,
  ) {
    this.lastInputAt = Date.now();
  }

  /** Aborted, with the EndReason, when the session ends; terminals close on it. */
  get ended(): AbortSignal {
    return this.endController.signal;
  }

  end(reason: EndReason): void {
    this.endController.abort(reason);
  }

  /** Terminal input counts as activity; nothing else does. */
  touch(): void {
    this.lastInputAt = Date.now();
  }

  view(idleTimeoutSeconds: number) {
    return { state: this.state, expiresAt: this.expiresAt.toISOString(), idleTimeoutSeconds };
  }
}
