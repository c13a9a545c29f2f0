import { randomUUID } from 'node:crypto';
import { access, stat } from 'node:fs/promises';
import { Duplex, PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { ApiError, engineStatus, ignoreMissing } from '../errors/index.ts';
import { inspectImage } from '../images/build.ts';
import { ensureReaderRoot } from '../images/reader-root.ts';
import { connectMirror, disconnectMirror } from '../mirror/mirror.ts';
import { confinement, EXEC_USER, inside, NOBODY, READER, readerIds, sandboxStorage } from './confinement.ts';
import type { DnsForwarder } from './dns-forwarder.ts';
import type { SandboxDriver, SandboxRecord, SandboxSpec, TerminalSize, TerminalStream } from './driver.ts';
import { bridgeName, hostResolvers } from './firewall.ts';
import { FramedTerminal } from './framed-terminal.ts';
import { label, labelsFor, pooledLabels, specFromLabels } from './labels.ts';
import { StartGate } from './start-gate.ts';
import { StderrBudget } from './stderr-budget.ts';

/** The lines the image's entrypoint prints once its inner dockerd answers, or when it gave up. */
const READY_LINE = 'berth: sandbox ready';
const FAILED_LINE = /berth: sandbox failed: ([^\n]*)/;
const READY_TIMEOUT_MS = 120_000;
/**
 * CPU weight of a sandbox while it starts, against Docker's default 1024 once it is ready: on a
 * busy machine the commands readers are waiting for go before sandboxes no one can type into yet.
 */
const STARTING_CPU_SHARES = 128;
const READY_CPU_SHARES = 1024;
/** Sandboxes starting at once on the engine; the rest wait their turn (see StartGate). */
const STARTS_AT_ONCE = 3;
const PING_TIMEOUT_MS = 3_000;
/**
 * Bounds on a program the server runs in a sandbox; the sandbox is the reader's, so it may misbehave.
 * `timeout` ends the program inside the sandbox first; the server stops waiting a little later.
 */
const EXEC_TIMEOUT_SECONDS = 10;
const EXEC_WAIT_MS = 13_000;
const EXEC_MAX_BYTES = 1024 * 1024;

const TERMINAL_HOME = '/home/reader';
/** The sandbox's disk, a file on its volume (see images/sandbox/outside/setup). */
const DISK_IMAGE = 'disk.img';
/** The longest one look at a sandbox's disk may take (see diskUsage). */
const DISK_LOOK_MS = 2_000;
/** What one terminal attach's stderr may put in the server's log (see StderrBudget). */
const STDERR_LOG_BYTES = 4096;

type Settings = Config['sandbox'] & { instance: string };

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Sandboxes as containers on one Docker engine, each with its own bridge network and /var/lib/docker volume. */
export class DockerSandboxDriver implements SandboxDriver {
  /** Subnets this process is creating networks on right now. */
  private readonly reserving = new Set<string>();
  private readonly starts = new StartGate(STARTS_AT_ONCE);
  /** Each measured sandbox's disk file on this host (see diskImageOf). */
  private readonly diskImages = new Map<string, string>();
  /** The reader's root of each sandbox image this process has started (image id → volume). */
  private readonly readerRoots = new Map<string, Promise<string>>();

  constructor(
    private readonly docker: Docker,
    private readonly settings: Settings,
    private readonly log: Logger,
    /** Under the `mirrors` egress policy, the only DNS a sandbox reaches; else the host's resolvers. */
    private readonly dns?: DnsForwarder,
  ) {}

  /** The resolvers a sandbox on `network` (its /24 `subnet`) is given, the forwarder attached first. */
  private async resolversFor(network: string, subnet: string): Promise<string[]> {
    if (this.dns) return [await this.dns.connect(network, subnet)];
    return hostResolvers();
  }

  private names(sessionId: string) {
    const base = `berth-${this.settings.instance}-${sessionId.slice(0, 16)}`;
    return { container: base, network: base, volume: `${base}-docker`, claim: `${base}-claim` };
  }

  async engineAnswers(): Promise<boolean> {
    try {
      await withTimeout(this.docker.ping(), PING_TIMEOUT_MS, 'engine ping');
      return true;
    } catch {
      return false;
    }
  }

  async preflight(): Promise<void> {
    if (!(await this.engineAnswers())) {
      throw new ApiError(
        'engine_unavailable',
        'The Docker engine is not answering; try again in a minute.',
        30,
      );
    }
    try {
      await this.docker.getImage(this.settings.image).inspect();
    } catch (error) {
      if (engineStatus(error) === 404) throw this.imageMissing();
      throw new ApiError(
        'engine_unavailable',
        'The Docker engine did not answer about the sandbox image.',
        30,
      );
    }
  }

  private imageMissing(): ApiError {
    return new ApiError(
      'sandbox_image_missing',
      `The sandbox image ${this.settings.image} is not built on this server; run \`npm run images\`.`,
    );
  }

  start(spec: SandboxSpec, signal: AbortSignal): Promise<void> {
    return this.create(spec.sessionId, labelsFor(this.settings.instance, spec), signal);
  }

  async startPooled(sessionId: string, signal: AbortSignal): Promise<void> {
    await this.preflight();
    await this.create(sessionId, pooledLabels(this.settings.instance, sessionId), signal);
  }

  async claim(spec: SandboxSpec): Promise<void> {
    try {
      await this.docker.createVolume({
        Name: this.names(spec.sessionId).claim,
        Labels: { ...labelsFor(this.settings.instance, spec), [label.claim]: 'true' },
      });
    } catch (error) {
      this.log.warn(
        { err: error, session: spec.sessionId },
        'could not record the claim of a pooled sandbox',
      );
      throw new ApiError(
        'engine_unavailable',
        'The Docker engine did not answer; try again in a minute.',
        30,
      );
    }
  }

  private create(sessionId: string, labels: Record<string, string>, signal: AbortSignal): Promise<void> {
    return this.starts.run(signal, () => this.createNow(sessionId, labels, signal));
  }

  private async createNow(sessionId: string, labels: Record<string, string>, signal: AbortSignal) {
    const names = this.names(sessionId);
    try {
      const readerRoot = await this.readerRoot();
      signal.throwIfAborted();
      const subnet = await this.createNetwork(names.network, labels);
      // Before the container starts, so its inner dockerd finds the mirror from its first pull.
      await connectMirror(this.docker, names.network);
      signal.throwIfAborted();
      await this.docker.createVolume({ Name: names.volume, Labels: labels });
      signal.throwIfAborted();
      const storage = sandboxStorage({ volume: names.volume, bytes: this.settings.diskBytes, readerRoot });
      const container = await this.docker.createContainer({
        name: names.container,
        Image: this.settings.image,
        Hostname: 'sandbox',
        Labels: labels,
        Env: [
          'DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1',
          `BERTH_DNS=${(await this.resolversFor(names.network, subnet)).join(' ')}`,
          ...storage.env,
          ...readerIds(subnet).env,
        ],
        HostConfig: {
          ...confinement(),
          Memory: this.settings.memoryBytes,
          MemorySwap: this.settings.memoryBytes,
          NanoCpus: Math.round(this.settings.cpus * 1e9),
          CpuShares: STARTING_CPU_SHARES,
          PidsLimit: this.settings.pids,
          // A capped, compact file. Blocking, on purpose: under a flood the engine's non-blocking
          // mode spent 1.8 cores and 1 GB on the ring buffer where blocking spent one core; and
          // once ready nothing of the reader's holds the log (see berth-ns.c), so only the
          // container's own side ever writes it.
          LogConfig: {
            Type: 'local',
            Config: {
              'max-size': String(this.settings.logSizeBytes),
              'max-file': '1',
              compress: 'false', // the local driver refuses compression with a single file
            },
          },
          NetworkMode: names.network,
          ...storage.hostConfig,
          Runtime: this.settings.runtime,
          ...this.settings.runtimeFlags,
        } as Docker.HostConfig,
      });
      signal.throwIfAborted();
      await container.start();
      await this.followUntilReady(sessionId, signal);
    } catch (error) {
      await this.stop(sessionId).catch((cleanupError) =>
        this.log.warn({ err: cleanupError, session: sessionId }, 'cleanup after failed start failed'),
      );
      throw error;
    }
  }

  /**
   * The volume of the sandbox image's files, filled once per image (npm run images fills it for
   * Berth's own; another image is filled at its first start).
   */
  private async readerRoot(): Promise<string> {
    const image = await inspectImage(this.docker, this.settings.image);
    if (!image) throw this.imageMissing();
    let volume = this.readerRoots.get(image.Id);
    if (!volume) {
      volume = ensureReaderRoot({
        docker: this.docker,
        image: this.settings.image,
        log: (line) => this.log.info(line),
      }).then((result) => result.ref);
      volume.catch(() => this.readerRoots.delete(image.Id));
      this.readerRoots.set(image.Id, volume);
    }
    return volume;
  }

  async waitReady(sessionId: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    // An adopted sandbox may have lost the mirror or the forwarder, if either was made again
    // while this server was down; the forwarder comes back at the address the sandbox was given.
    const { network } = this.names(sessionId);
    await connectMirror(this.docker, network);
    if (this.dns) {
      const subnet = (await this.docker.getNetwork(network).inspect()).IPAM?.Config?.[0]?.Subnet;
      if (subnet) await this.dns.connect(network, subnet);
    }
    await this.followUntilReady(sessionId, signal);
  }

  /** Follows the container's log for the entrypoint's ready (or failed) line. */
  private async followUntilReady(sessionId: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const container = this.docker.getContainer(this.names(sessionId).container);
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

  async diskUsage(sessionId: string): Promise<number | undefined> {
    const image = await this.diskImageOf(sessionId);
    if (!image) return undefined;
    // The disk's file is sparse and mounted with discard: its blocks are what the sandbox holds.
    // One stat, however many files the sandbox made, and bounded all the same.
    return (await withTimeout(stat(image), DISK_LOOK_MS, 'disk look')).blocks * 512;
  }

  /**
   * The file on this host that holds a sandbox's disk, on its volume. It never moves, so it is
   * asked once per sandbox. Undefined when this server cannot see it: not on the engine's host,
   * or not as root.
   */
  private async diskImageOf(sessionId: string): Promise<string | undefined> {
    const known = this.diskImages.get(sessionId);
    if (known) return known;
    const volume = await this.docker.getVolume(this.names(sessionId).volume).inspect();
    const image = `${volume.Mountpoint}/${DISK_IMAGE}`;
    const visible = await access(image).then(
      () => true,
      () => false,
    );
    if (!visible) return undefined;
    this.diskImages.set(sessionId, image);
    return image;
  }

  async stop(sessionId: string): Promise<void> {
    this.diskImages.delete(sessionId);
    const names = this.names(sessionId);
    await this.removeContainer(names.container);
    await disconnectMirror(this.docker, names.network);
    await this.dns?.disconnect(names.network);
    await ignoreMissing(() => this.docker.getNetwork(names.network).remove());
    await ignoreMissing(() => this.docker.getVolume(names.volume).remove());
    await ignoreMissing(() => this.docker.getVolume(names.claim).remove());
  }

  /**
   * Creates the sandbox's bridge on the first free /24 of the configured /16. Docker's default pools
   * hold only about 30 networks; a busy server would run out. Starts in this process never pick the
   * same /24 (`this.reserving`); another server may take it at the same moment, and then Docker
   * refuses the overlap and the next one is tried.
   */
  private async createNetwork(name: string, labels: Record<string, string>): Promise<string> {
    const [first, second] = this.settings.subnets.split('.');
    // Docker reserves a pool before the network shows in its list: a /24 refused as overlapping is
    // skipped from then on, even while it does not show yet.
    const refused = new Set<string>();
    for (let attempt = 0; attempt < 16; attempt++) {
      const taken = new Set(
        (await this.docker.listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')),
      );
      const free = Array.from({ length: 256 }, (_, i) => `${first}.${second}.${i}.0/24`).find(
        (subnet) => !taken.has(subnet) && !refused.has(subnet) && !this.reserving.has(subnet),
      );
      if (!free)
        throw new ApiError('at_capacity', 'Every sandbox network is taken; try again in a minute.', 60);
      this.reserving.add(free);
      try {
        await this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          Labels: labels,
          CheckDuplicate: true,
          IPAM: { Driver: 'default', Config: [{ Subnet: free }] },
          Options: { 'com.docker.network.bridge.name': bridgeName(free) },
        });
        return free;
      } catch (error) {
        if (!/overlap/i.test(String((error as Error).message))) throw error;
        refused.add(free);
      } finally {
        // Once created it shows in the engine's list, which the next start reads.
        this.reserving.delete(free);
      }
    }
    throw new Error('no free sandbox subnet after 16 tries');
  }

  /** Removes a container, waiting out a removal someone else already started (Docker answers 409). */
  private async removeContainer(idOrName: string): Promise<void> {
    const container = this.docker.getContainer(idOrName);
    try {
      await ignoreMissing(() => container.remove({ force: true, v: true }));
    } catch (error) {
      if (engineStatus(error) !== 409) throw error;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        try {
          await container.inspect();
        } catch (inspectError) {
          if (engineStatus(inspectError) === 404) return;
          throw inspectError;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw error;
    }
  }

  private ownFilter(): string {
    return JSON.stringify({ label: [`${label.instance}=${this.settings.instance}`] });
  }

  async list(): Promise<SandboxRecord[]> {
    const filters = this.ownFilter();
    const [containers, volumes] = await Promise.all([
      this.docker.listContainers({ all: true, filters }),
      this.docker.listVolumes({ filters }),
    ]);
    const claims = new Map<string, SandboxSpec>();
    for (const volume of volumes.Volumes ?? []) {
      const spec = volume.Labels?.[label.claim] === 'true' ? specFromLabels(volume.Labels) : undefined;
      if (spec) claims.set(spec.sessionId, spec);
    }
    const records: SandboxRecord[] = [];
    for (const container of containers) {
      const labels = container.Labels;
      const spec =
        labels?.[label.pooled] === 'true' ? claims.get(labels[label.session] ?? '') : specFromLabels(labels);
      if (spec) records.push({ ...spec, running: container.State === 'running' });
    }
    return records;
  }

  async sweep(keep: ReadonlySet<string>): Promise<number> {
    const filters = this.ownFilter();
    const [containers, networks, volumes] = await Promise.all([
      this.docker.listContainers({ all: true, filters }),
      this.docker.listNetworks({ filters }),
      this.docker.listVolumes({ filters }),
    ]);
    const removed = new Set<string>();
    const isOrphan = (labels: Record<string, string> | undefined) => {
      const session = labels?.[label.session] ?? '';
      if (keep.has(session)) return false;
      removed.add(session);
      return true;
    };
    // Containers first: a network or volume still in use cannot be removed.
    for (const c of containers.filter((c) => isOrphan(c.Labels))) {
      await this.removeContainer(c.Id);
    }
    for (const n of networks.filter((n) => isOrphan(n.Labels))) {
      await disconnectMirror(this.docker, n.Id);
      await this.dns?.disconnect(n.Id);
      await ignoreMissing(() => this.docker.getNetwork(n.Id).remove());
    }
    for (const v of (volumes.Volumes ?? []).filter((v) => isOrphan(v.Labels))) {
      await ignoreMissing(() => this.docker.getVolume(v.Name).remove());
    }
    return removed.size;
  }

  async openTerminal(sessionId: string, name: string, size: TerminalSize): Promise<TerminalStream> {
    const container = this.docker.getContainer(this.names(sessionId).container);
    // Docker does not end an exec when its stream closes, so each attach is named, to be detached by name.
    const attachId = randomUUID();
    // No TTY: the shell's PTY is berth-term's, and the server speaks berth-term's frames itself.
    const exec = await container.exec({
      Cmd: inside(
        ['berth-term', 'attach', name, `${size.cols}x${size.rows}`, '--id', attachId, '--framed'],
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
      this.log.warn({ session: sessionId, terminal: name, stderr: text }, 'berth-term said'),
    );
    const stream = new FramedTerminal(socket, (text) => said.take(text));
    stream.once('close', () => {
      if (said.unlogged > 0) {
        this.log.warn(
          { session: sessionId, terminal: name, unlogged: said.unlogged },
          'berth-term said more than is logged',
        );
      }
    });
    const resize = async ({ cols, rows }: TerminalSize) => stream.resize(cols, rows);
    await resize(size);
    const exitCode = async () => {
      if (stream.exitCode !== undefined) return stream.exitCode;
      const deadline = Date.now() + 5_000;
      for (;;) {
        const info = await exec.inspect();
        if (!info.Running || Date.now() > deadline) return info.ExitCode ?? -1;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
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
        await new Promise((resolve) => output.once('close', resolve));
      } catch (error) {
        // The sandbox may be gone already, which detaches everything.
        this.log.debug({ err: error, session: sessionId, terminal: name }, 'detach failed');
      }
    };
    return { stream, resize, exitCode, detach };
  }

  async closeTerminal(sessionId: string, name: string): Promise<void> {
    // The master ignores hang-ups but not TERM; its PTY closing hangs up the shell and its jobs.
    // `name` is a checked terminal name, and pkill takes it as an argument, not through a shell.
    await this.exec(sessionId, ['pkill', '-TERM', '-x', '-f', `berth-term master ${name}`]);
  }

  async exec(sessionId: string, argv: string[]): Promise<string> {
    const container = this.docker.getContainer(this.names(sessionId).container);
    try {
      const exec = await container.exec({
        Cmd: inside(['timeout', '-k', '2', String(EXEC_TIMEOUT_SECONDS), ...argv]),
        User: EXEC_USER,
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
      const stdout = new Collector(EXEC_MAX_BYTES);
      this.docker.modem.demuxStream(stream, stdout, new PassThrough().resume());
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
      this.log.debug({ err: error, session: sessionId, program: argv[0] }, 'exec in the sandbox failed');
      throw new ApiError(
        'sandbox_unavailable',
        'Your sandbox did not answer in time; try again in a moment.',
      );
    }
  }

  async connect(sessionId: string, port: number): Promise<Duplex> {
    const container = this.docker.getContainer(this.names(sessionId).container);
    // busybox's nc relays stdin and stdout to the port; as nobody, it can do nothing else.
    const exec = await container.exec({
      Cmd: inside(['busybox', 'nc', '127.0.0.1', String(port)], NOBODY),
      User: EXEC_USER,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const socket = (await exec.start({ hijack: true, stdin: true })) as Duplex;
    const fromPort = new PassThrough();
    this.docker.modem.demuxStream(socket, fromPort, new PassThrough().resume());
    socket.on('end', () => fromPort.end());
    socket.on('error', (error) => fromPort.destroy(error));
    const connection = Duplex.from({ readable: fromPort, writable: socket });
    connection.on('close', () => socket.destroy());
    // Once the port's side has ended and all of it was read, nc has exited: nothing more can be
    // written either, so the connection closes (a half-open one would hold its exec forever).
    connection.once('end', () => connection.destroy());
    return connection;
  }
}

/** A writable that keeps the first `limit` bytes written to it and drops the rest. */
class Collector extends PassThrough {
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
