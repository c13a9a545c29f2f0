import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import { SandboxError } from '../driver.ts';
import type { HostName } from '../hosts.ts';
import { EXEC_USER, inside } from './confinement.ts';
import { containerOf, type Engine, withTimeout } from './engine.ts';

/**
 * Bounds on a program the server runs in a sandbox; the sandbox is the reader's, so it may misbehave.
 * `timeout` ends the program inside the sandbox first; the server stops waiting a little later.
 */
const EXEC_TIMEOUT_SECONDS = 10;
const EXEC_WAIT_MS = 13_000;
const EXEC_MAX_BYTES = 1024 * 1024;

/** Runs `argv` as the sandbox's root with no shell between, and returns the first MiB of its output. */
export async function execBounded(
  engine: Engine,
  sessionId: string,
  host: HostName,
  argv: string[],
): Promise<string> {
  try {
    const exec = await containerOf(engine, sessionId, host).exec({
      Cmd: inside(['timeout', '-k', '2', String(EXEC_TIMEOUT_SECONDS), ...argv]),
      User: EXEC_USER,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
    const stdout = new Collector(EXEC_MAX_BYTES);
    engine.docker.modem.demuxStream(stream, stdout, new PassThrough().resume());
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    try {
      await withTimeout(ended, EXEC_WAIT_MS, `${argv[0]} in the sandbox`);
    } finally {
      stream.destroy();
    }
    return stdout.text();
  } catch (error) {
    // Stopped, gone, or too slow: the reader's doing or the host's load, not a bug of the server.
    throw new SandboxError('unresponsive', `${argv[0]} in the sandbox: ${(error as Error).message}`);
  }
}

/** A writable that keeps the first `limit` bytes written to it and drops the rest. */
export class Collector extends PassThrough {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {
    super();
    this.on('data', (chunk: Buffer) => {
      if (this.size >= this.limit) return;
      this.chunks.push(chunk.subarray(0, this.limit - this.size));
      this.size += chunk.length;
    });
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
