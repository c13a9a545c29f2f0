import type { Duplex } from 'node:stream';
import type { StartOptions } from '../driver.ts';
import type { HostName } from '../hosts.ts';
import { READY_CPU_SHARES } from './container-spec.ts';
import { containerOf, type Engine, withTimeout } from './engine.ts';

/** The lines the image's entrypoint prints once a shell can be had (Docker starts on first use), or when it gave up. */
const READY_LINE = 'berth: sandbox ready';
const FAILED_LINE = /berth: sandbox failed: ([^\n]*)/;
const READY_TIMEOUT_MS = 120_000;

/** Follows the container's log for the entrypoint's ready (or failed) line, then gives it full weight. */
export async function untilReady(
  engine: Engine,
  sessionId: string,
  host: HostName,
  { signal }: StartOptions,
): Promise<void> {
  signal.throwIfAborted();
  const container = containerOf(engine, sessionId, host);
  const logs = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
  })) as NodeJS.ReadableStream & Duplex;
  let seen = '';
  const ready = new Promise<void>((resolve, reject) => {
    logs.on('data', (chunk: Buffer) => {
      // The multiplexing headers are binary noise here; only the two known lines matter.
      seen = (seen + chunk.toString('latin1')).slice(-4096);
      const failed = FAILED_LINE.exec(seen);
      if (failed) reject(new Error(`sandbox failed to start: ${failed[1]}`));
      else if (seen.includes(READY_LINE)) resolve();
    });
    logs.on('end', () => reject(new Error('sandbox stopped before it was ready')));
    logs.on('error', reject);
    signal.addEventListener('abort', () => reject(new Error('sandbox start cancelled')), { once: true });
  });
  try {
    await withTimeout(ready, READY_TIMEOUT_MS, 'sandbox start');
  } finally {
    logs.destroy();
  }
  await container.update({ CpuShares: READY_CPU_SHARES });
}
