import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { type EnsureImageResult, type ImageLog, inspectImage } from './build.ts';

const DEBIAN_REPO = 'berth/debian';
/** The Debian releases Berth can make an image of. */
export type DebianSuite = 'trixie' | 'bookworm';
/** `berth/debian:<suite>`: a Debian root filesystem, from Docker Hub or made with debootstrap. */
export const debianImage = (suite: DebianSuite) => `${DEBIAN_REPO}:${suite}`;
/** What every Berth image builds on: Debian trixie. */
export const BASE_IMAGE = debianImage('trixie');
/** Offline, the engine's registry lookup fails within a second; a slow one is not worth waiting for. */
const PULL_TIMEOUT_MS = 15_000;
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

export interface EnsureBaseImageOptions {
  docker: Docker;
  log: ImageLog;
  /** Debian mirror for debootstrap; defaults to BERTH_DEBIAN_MIRROR, then deb.debian.org. */
  mirror?: string;
}

export function ensureBaseImage(options: EnsureBaseImageOptions): Promise<EnsureImageResult> {
  return ensureDebianImage({ ...options, suite: 'trixie' });
}

/**
 * Makes `berth/debian:<suite>` unless it exists: `debian:<suite>-slim` when a registry answers,
 * else debootstrap + import. Once made it is kept as is (its id feeds the hashes of the images
 * built on it); remove it by hand to make a fresh one.
 */
export function ensureDebianImage(
  options: EnsureBaseImageOptions & { suite: DebianSuite },
): Promise<EnsureImageResult> {
  // Builds that run side by side ask for the same base: they share one pull or debootstrap.
  const ref = debianImage(options.suite);
  let making = inFlight.get(ref);
  if (!making) {
    making = makeDebianImage(options).finally(() => inFlight.delete(ref));
    inFlight.set(ref, making);
  }
  return making;
}

const inFlight = new Map<string, Promise<EnsureImageResult>>();

async function makeDebianImage(
  options: EnsureBaseImageOptions & { suite: DebianSuite },
): Promise<EnsureImageResult> {
  const { docker, log, suite } = options;
  const ref = debianImage(suite);
  if (await inspectImage(docker, ref)) return { ref, built: false };
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;

  const hubImage = `debian:${suite}-slim`;
  try {
    await pullImage(docker, hubImage, log);
    await docker.getImage(hubImage).tag({ repo: DEBIAN_REPO, tag: suite });
    return { ref, built: true, seconds: seconds(), via: 'pull' };
  } catch (err) {
    log(`pulling ${hubImage} failed (${(err as Error).message}); making ${ref} with debootstrap`);
  }

  const mirror = options.mirror ?? process.env.BERTH_DEBIAN_MIRROR ?? DEFAULT_MIRROR;
  await debootstrapImage(docker, suite, mirror, log);
  return { ref, built: true, seconds: seconds(), via: 'debootstrap' };
}

async function pullImage(docker: Docker, ref: string, log: ImageLog) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), PULL_TIMEOUT_MS);
  try {
    const stream = (await docker.pull(ref, { abortSignal: abort.signal })) as Readable;
    abort.signal.addEventListener('abort', () =>
      stream.destroy(new Error(`no answer in ${PULL_TIMEOUT_MS} ms`)),
    );
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
        const failed = events?.find((event) => event.error);
        if (err || failed) reject(err ?? new Error(failed?.error));
        else resolve();
      });
    });
    log(`pulled ${ref}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs debootstrap into a scratch directory and imports the result as `berth/debian:<suite>`. */
async function debootstrapImage(docker: Docker, suite: DebianSuite, mirror: string, log: ImageLog) {
  const ref = debianImage(suite);
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${ref} is missing and debian:${suite}-slim cannot be pulled; making it with debootstrap needs root (run \`npm run images -w sandbox-server\` as root once)`,
    );
  }
  // Not os.tmpdir(): /tmp is often a tmpfs mounted nodev or noexec, and debootstrap chroots.
  const workDir = await mkdtemp('/var/tmp/berth-debootstrap-');
  const rootfs = path.join(workDir, 'rootfs');
  try {
    log(`debootstrap --variant=minbase ${suite} ${rootfs} ${mirror}`);
    await run('debootstrap', ['--variant=minbase', suite, rootfs, mirror], log).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT')
          throw new Error('debootstrap is not installed: apt-get install -y debootstrap');
        throw err;
      },
    );
    log(`importing ${rootfs} as ${ref}`);
    // GNU tar rather than tar-fs: the rootfs holds device nodes, hard links and setuid files.
    const tarball = spawn('tar', ['--numeric-owner', '-C', rootfs, '-c', '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tarDone = exited(tarball, 'tar');
    const stream = await docker.importImage(tarball.stdout, {
      repo: DEBIAN_REPO,
      tag: suite,
      changes: [
        `LABEL berth.built-by="Berth" berth.source="debootstrap --variant=minbase ${suite} from Debian packages"`,
        `LABEL berth.debian-mirror="${mirror}"`,
        'CMD ["/bin/bash"]',
      ],
    });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
        const failed = events?.find((event) => event.error);
        if (err || failed) reject(err ?? new Error(`import failed: ${failed?.error}`));
        else resolve();
      });
    });
    await tarDone;
  } finally {
    await unmountUnder(workDir);
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Runs a command, passing its output to the log line by line. */
function run(command: string, args: string[], log: ImageLog): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const output of [child.stdout, child.stderr]) {
    createInterface({ input: output }).on('line', (line) => log(line));
  }
  return exited(child, command);
}

function exited(child: ReturnType<typeof spawn>, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${name} failed with ${signal ?? `exit code ${code}`}`));
    });
  });
}

/**
 * debootstrap mounts /proc and /sys inside the target and may leave them behind when it fails;
 * a recursive delete must not walk into them.
 */
async function unmountUnder(dir: string) {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const mounts = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountpoint) => mountpoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountpoint of mounts) {
    await new Promise<void>((resolve) => spawn('umount', ['-l', mountpoint]).once('close', () => resolve()));
  }
}
