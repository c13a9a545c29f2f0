import type { SessionState } from '../contract/session.ts';
import { byHostNumber, FIRST_HOST, type HostName } from '../sandboxes/hosts.ts';

type Host = { state: SessionState; ready: Promise<void>; cancel: AbortController };

/**
 * The hosts a reader added to their sandbox (node2, node3, …), each with its own start: node1 is
 * the session's own sandbox, whose start is the session's. Only what the session needs to know;
 * Sessions starts and removes them.
 */
export class HostSet {
  private readonly added = new Map<HostName, Host>();

  /** node1, then the added hosts in their order. */
  names(): HostName[] {
    return [FIRST_HOST, ...byHostNumber(this.added.keys())];
  }

  get count(): number {
    return 1 + this.added.size;
  }

  has(host: HostName): boolean {
    return host === FIRST_HOST || this.added.has(host);
  }

  /** An added host's state; node1's is the session's. */
  stateOf(host: HostName): SessionState | undefined {
    return this.added.get(host)?.state;
  }

  /**
   * Records a host and begins its start, which is cancelled when the session `ended` or the host
   * is deleted (`signal`, the one `start` was given); the host is `ready` once the start settles.
   */
  add(
    host: HostName,
    start: (signal: AbortSignal) => Promise<void>,
    ended: AbortSignal,
  ): { ready: Promise<void>; signal: AbortSignal } {
    const cancel = new AbortController();
    const signal = AbortSignal.any([ended, cancel.signal]);
    const entry: Host = { state: 'starting', ready: Promise.resolve(), cancel };
    entry.ready = start(signal).then(() => {
      entry.state = 'ready';
    });
    entry.ready.catch(() => {}); // whoever waits on it sees the failure through their own await
    this.added.set(host, entry);
    return { ready: entry.ready, signal };
  }

  /** The start of an added host, for terminals to wait on; undefined when there is no such host. */
  readyOf(host: HostName): Promise<void> | undefined {
    return this.added.get(host)?.ready;
  }

  /** Forgets a host, cancelling its start if it is still under way. */
  delete(host: HostName): void {
    this.added.get(host)?.cancel.abort();
    this.added.delete(host);
  }
}
