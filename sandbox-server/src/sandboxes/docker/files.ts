import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type FilesIn, NoSuchPath, SandboxError } from '../driver.ts';
import type { HostName } from '../hosts.ts';
import { EXEC_USER, inside, READER } from './confinement.ts';
import { containerOf, type Engine } from './engine.ts';
import { Collector } from './exec.ts';

/**
 * Files in and out of a sandbox, as its reader: a tar archive unpacked where a terminal's shell
 * is (its working directory), and a file or folder packed as one. Both run `tar` as the reader,
 * with no shell between the server and it but the fixed script below, which takes the terminal's
 * name and the path as arguments: a reader's files go only where they could write themselves.
 */

/** The working directory of terminal $1's shell, else the reader's home. */
const WHERE =
  'pid=$(pgrep -o -x -f "berth-term master $1") && sh=$(pgrep -o -P "$pid") && dir=$(readlink "/proc/$sh/cwd") || dir=$HOME';
/** How long an upload or a download may take in all. */
const FILES_TIMEOUT_SECONDS = 600;

async function execAsReader(
  engine: Engine,
  sessionId: string,
  host: HostName,
  script: string,
  args: string[],
  stdin: boolean,
) {
  const exec = await containerOf(engine, sessionId, host).exec({
    Cmd: inside(
      ['timeout', '-k', '5', String(FILES_TIMEOUT_SECONDS), 'sh', '-c', script, 'sh', ...args],
      READER,
    ),
    User: EXEC_USER,
    Env: ['HOME=/home/reader', 'LANG=C.UTF-8'],
    AttachStdin: stdin,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await exec.start({ hijack: true, stdin })) as NodeJS.ReadWriteStream & Readable;
  const stdout = new PassThrough();
  const stderr = new Collector(4096);
  engine.docker.modem.demuxStream(stream, stdout, stderr);
  stream.on('end', () => stdout.end());
  stream.on('close', () => stdout.end());
  return { exec, stream, stdout, stderr };
}

/** Unpacks `archive` (a tar stream) where terminal `terminal`'s shell is; resolves with that directory. */
export async function putFiles(
  engine: Engine,
  sessionId: string,
  host: HostName,
  terminal: string,
  archive: Readable,
): Promise<FilesIn> {
  // GNU tar refuses members that leave the directory (absolute paths, `..`) by itself.
  // Where it went is said however tar ended: it may have skipped a member and placed the rest.
  const script = `${WHERE}; cd "$dir" || exit 1; pwd; exec tar -x --no-same-owner --no-same-permissions -f -`;
  const { exec, stream, stdout, stderr } = await execAsReader(
    engine,
    sessionId,
    host,
    script,
    [terminal],
    true,
  );
  const said: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => said.push(chunk));
  // Ending the exec's stdin (its socket's write side) is how tar learns the archive ended.
  try {
    await pipeline(archive, stream as unknown as NodeJS.WritableStream);
  } catch (error) {
    stream.destroy();
    throw error;
  }
  if (!stdout.readableEnded) await new Promise<void>((resolve) => stdout.once('end', resolve));
  const { ExitCode } = await exec.inspect();
  const directory = Buffer.concat(said).toString('utf8').trim();
  const { skipped, otherErrors } = tarComplaints(stderr.text());
  // Members that would have left the directory are skipped, the rest placed: said, not failed.
  if (ExitCode === 0 || (directory && otherErrors.length === 0 && skipped.length > 0)) {
    return { directory, skipped };
  }
  throw new SandboxError('refused', `tar in the sandbox: ${otherErrors.join('; ') || `exit ${ExitCode}`}`);
}

/**
 * GNU tar's stderr, sorted: the members it skipped for leaving the directory (`..` in a name),
 * and any other error. Its notes on leading `/` and `../` it took off are neither.
 */
export function tarComplaints(stderr: string): { skipped: string[]; otherErrors: string[] } {
  const skipped: string[] = [];
  const otherErrors: string[] = [];
  for (const line of stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const outside = /^tar: (.*): Member name contains '\.\.'$/.exec(line);
    if (outside?.[1]) skipped.push(outside[1]);
    else if (/^tar: Removing leading /.test(line) || /^tar: Exiting with failure status/.test(line)) continue;
    else otherErrors.push(line.replace(/^tar: /, ''));
  }
  return { skipped, otherErrors };
}

/**
 * `path` (absolute, or from where terminal `terminal`'s shell is) packed as a tar stream; rejects
 * with NoSuchPath when the reader has nothing readable there.
 */
export async function getFiles(
  engine: Engine,
  sessionId: string,
  host: HostName,
  terminal: string,
  path: string,
): Promise<Readable> {
  // The archive holds the last part of the path, as a folder dragged out of a file manager would.
  const script = `${WHERE}; cd "$dir" && test -r "$2" || exit 66; cd "$(dirname -- "$2")" && exec tar -c -f - -- "$(basename -- "$2")"`;
  const { exec, stream, stdout, stderr } = await execAsReader(
    engine,
    sessionId,
    host,
    script,
    [terminal, path],
    false,
  );
  // A download the reader gave up on ends tar too (its next write fails), not at the time limit.
  stdout.once('close', () => stream.destroy());
  // The first bytes, or the end: before then it is not known whether there is anything to send.
  const first = await new Promise<Buffer | undefined>((resolve) => {
    stdout.once('readable', () => resolve(stdout.read() ?? undefined));
    stdout.once('end', () => resolve(undefined));
  });
  if (!first) {
    const { ExitCode } = await exec.inspect();
    if (ExitCode === 66) throw new NoSuchPath(path);
    throw new SandboxError('refused', `tar in the sandbox: ${stderr.text().trim() || `exit ${ExitCode}`}`);
  }
  stdout.unshift(first);
  return stdout;
}
