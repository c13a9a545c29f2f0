import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

/** How long a server that hit an uncaught exception may take to close before it exits anyway. */
const CLOSE_WITHIN_MS = 5_000;

type Exits = {
  /** Closes the server as SIGTERM does, leaving sandboxes for the next start to adopt. */
  shutdown(): Promise<void>;
  exit(code: number): void;
};

/**
 * What the process does with an error nothing caught, since it serves programs that strangers
 * feed. A rejected promise left no half-done synchronous work behind: it is logged and the server
 * goes on. An exception thrown out of a listener may have left any state half-changed, so the
 * server closes (sandboxes are kept) and exits 1, for its supervisor (`restart:` in compose) to
 * start it again; the next start adopts every sandbox.
 */
export function handleProcessErrors(process: EventEmitter, log: Logger, { shutdown, exit }: Exits): void {
  process.on('unhandledRejection', (reason: unknown) => {
    log.error({ event: 'unhandled_rejection', err: reason }, 'a promise was rejected and nothing caught it');
  });
  let exiting = false;
  process.on('uncaughtException', (error: Error) => {
    log.fatal(
      { event: 'uncaught_exception', err: error },
      'uncaught exception: closing, then exiting for a restart',
    );
    if (exiting) return;
    exiting = true;
    const deadline = new Promise((resolve) => setTimeout(resolve, CLOSE_WITHIN_MS).unref());
    void Promise.race([shutdown().catch(() => {}), deadline]).finally(() => exit(1));
  });
}
