import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { TerminalSize } from '../../contract/terminal.ts';
import { type AttachOptions, NoSuchTerminal, type TerminalStream } from '../driver.ts';
import type { HostName } from '../hosts.ts';
import { EXEC_USER, inside, READER } from './confinement.ts';
import { containerOf, type Engine } from './engine.ts';
import { execBounded } from './exec.ts';
import { FramedTerminal } from './framed-terminal.ts';
import { StderrBudget } from './stderr-budget.ts';

const TERMINAL_HOME = '/home/reader';
/** What one terminal attach's stderr may put in the server's log (see StderrBudget). */
const STDERR_LOG_BYTES = 4096;
/** How long a detach waits for the master to hang up on the attach. */
const DETACH_WAIT_MS = 5_000;

/**
 * Attaches to the berth-term master of terminal `name`, which starts its shell the first time;
 * a guest's attach sets no size and, with `existing`, starts no shell (see SandboxAccess).
 */
export async function attachTerminal(
  engine: Engine,
  log: Logger,
  sessionId: string,
  host: HostName,
  name: string,
  size: TerminalSize,
  options?: AttachOptions,
): Promise<TerminalStream> {
  const container = containerOf(engine, sessionId, host);
  // Docker does not end an exec when its stream closes, so each attach is named, to be detached by name.
  const attachId = randomUUID();
  // No TTY: the shell's PTY is berth-term's, and the server speaks berth-term's frames itself.
  const exec = await container.exec({
    Cmd: inside(
      [
        'berth-term',
        'attach',
        name,
        `${size.cols}x${size.rows}`,
        '--id',
        attachId,
        ...(options?.existing ? ['--existing'] : []),
        '--framed',
      ],
      READER,
    ),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    User: EXEC_USER,
    Env: ['TERM=xterm-256color', 'LANG=C.UTF-8', `HOME=${TERMINAL_HOME}`],
  });
  const socket = (await exec.start({ hijack: true, stdin: true })) as Duplex;
  const said = new StderrBudget(STDERR_LOG_BYTES, (text) =>
    log.warn({ session: sessionId, host, terminal: name, stderr: text }, 'berth-term said'),
  );
  const stream = new FramedTerminal(socket, (text) => said.take(text));
  // From the start: an attach that fails before its caller listens must not take the server down.
  stream.on('error', (error) =>
    log.warn({ err: error, session: sessionId, host, terminal: name }, 'terminal attach failed'),
  );
  stream.once('close', () => {
    if (said.unlogged > 0) {
      log.warn(
        { session: sessionId, terminal: name, unlogged: said.unlogged },
        'berth-term said more than is logged',
      );
    }
  });
  // The master tells every attach the PTY's size first: until then, whether it is there at all.
  let current: TerminalSize | undefined;
  const sized = new Promise<boolean>((resolve) => {
    stream.on('size', (now: TerminalSize) => {
      current = now;
      resolve(true);
    });
    stream.once('output-ended', () => resolve(false));
    stream.once('close', () => resolve(false));
  });
  const detach = async () => {
    stream.destroy();
    try {
      const detacher = await container.exec({
        Cmd: inside(['berth-term', 'detach', name, attachId], READER),
        User: EXEC_USER,
        AttachStdout: true,
        AttachStderr: true,
      });
      const output = (await detacher.start({ hijack: true, stdin: false })) as Duplex;
      output.resume();
      // Bounded: a master the sandbox's root replaced need never hang up.
      await new Promise<void>((resolve) => {
        const abandon = setTimeout(() => output.destroy(), DETACH_WAIT_MS);
        output.once('close', () => {
          clearTimeout(abandon);
          resolve();
        });
      });
    } catch (error) {
      // The sandbox may be gone already, which detaches everything.
      log.debug({ err: error, session: sessionId, terminal: name }, 'detach failed');
    }
  };
  const resize = async ({ cols, rows }: TerminalSize) => stream.resize(cols, rows);
  if (options?.as !== 'guest') await resize(size);
  else if (options.existing && !(await sized)) {
    // Docker's failure to start the exec is not the terminal's absence, and may leave it running.
    if (stream.errored) {
      await detach();
      throw stream.errored;
    }
    stream.destroy();
    throw new NoSuchTerminal(name);
  }
  const onSize = (listener: (size: TerminalSize) => void) => {
    if (current) listener(current);
    stream.on('size', listener);
  };
  const exitCode = async () => {
    if (stream.exitCode !== undefined) return stream.exitCode;
    const deadline = Date.now() + 5_000;
    for (;;) {
      const info = await exec.inspect();
      if (!info.Running || Date.now() > deadline) return info.ExitCode ?? -1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { stream, resize, onSize, exitCode, detach };
}

/** Ends a terminal's shell and its jobs. */
export async function closeTerminal(
  engine: Engine,
  sessionId: string,
  host: HostName,
  name: string,
): Promise<void> {
  // The master ignores hang-ups but not TERM; its PTY closing hangs up the shell and its jobs.
  // `name` is a checked terminal name, and pkill takes it as an argument, not through a shell.
  await execBounded(engine, sessionId, host, ['pkill', '-TERM', '-x', '-f', `berth-term master ${name}`]);
}
