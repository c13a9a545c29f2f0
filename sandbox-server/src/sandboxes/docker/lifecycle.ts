import type { Logger } from 'pino';
import { ignoreMissing } from '../../errors/index.ts';
import { inspectImage } from '../../images/build.ts';
import { ensureReaderRoot } from '../../images/reader-root.ts';
import type { DnsForwarder } from '../dns-forwarder.ts';
import {
  SandboxError,
  type SandboxLifecycle,
  type SandboxOwner,
  type SandboxRecord,
  type ShareRecord,
  type StartOptions,
} from '../driver.ts';
import { hostResolvers } from '../firewall.ts';
import { byHostNumber, FIRST_HOST, type HostName, isHostName } from '../hosts.ts';
import { type SandboxSettings, sandboxContainer } from './container-spec.ts';
import { type Engine, engineAnswers, namesOf, ownFilter, removeContainer } from './engine.ts';
import { label, labelsFor, type Owned, ownedFromLabels, shareFromLabels } from './labels.ts';
import { untilReady } from './readiness.ts';
import { Subnets } from './subnets.ts';

/**
 * Something the wiring attaches to every sandbox's network before the sandbox starts, and takes
 * off before the network is removed: the registry mirror. The driver knows nothing else of it.
 */
export type NetworkHook = {
  attach(network: string): Promise<void>;
  detach(network: string): Promise<void>;
};

export type LifecycleParts = {
  engine: Engine;
  settings: SandboxSettings;
  log: Logger;
  networkHooks: NetworkHook[];
  /** Under the `mirrors` egress policy, the only DNS a sandbox reaches; else the host's resolvers. */
  dns: DnsForwarder | undefined;
  /** Called when a sandbox is removed, so what was measured of it is forgotten. */
  onStopped: (sessionId: string) => void;
};

/**
 * Sandboxes as containers: each reader's sandbox a bridge network of its own, and on it a
 * container per host (node1, and any the reader adds), each with a volume for its disk.
 */
export class DockerLifecycle implements SandboxLifecycle {
  private readonly subnets: Subnets;
  /** The reader's root of each sandbox image this process has started (image id → volume). */
  private readonly readerRoots = new Map<string, Promise<string>>();

  constructor(private readonly parts: LifecycleParts) {
    this.subnets = new Subnets(parts.engine, parts.settings.subnets);
  }

  answers(): Promise<boolean> {
    return engineAnswers(this.parts.engine);
  }

  async preflight(): Promise<void> {
    if (!(await this.answers()))
      throw new SandboxError('engine_unavailable', 'the engine does not answer a ping');
    const image = await inspectImage(this.parts.engine.docker, this.parts.settings.image).catch((error) => {
      throw new SandboxError(
        'engine_unavailable',
        `inspecting the sandbox image: ${(error as Error).message}`,
      );
    });
    if (!image) throw this.imageMissing();
  }

  private imageMissing(): SandboxError {
    return new SandboxError(
      'image_missing',
      `The sandbox image ${this.parts.settings.image} is not built on this server; run \`npm run images\`.`,
    );
  }

  /** Starts at once: how many start together, and in what order, is the admission queue's (sessions/admission.ts). */
  async start(sessionId: string, owner: SandboxOwner | undefined, options: StartOptions): Promise<void> {
    options.signal.throwIfAborted();
    const { engine, log } = this.parts;
    const labels = labelsFor(engine.instance, sessionId, owner);
    const { network } = namesOf(engine, sessionId);
    options.progress?.('creating');
    try {
      const readerRoot = await this.readerRoot();
      options.signal.throwIfAborted();
      const subnet = await this.subnets.createNetwork(network, labels);
      // Before the container starts, so what the hooks attach is there from its first moment.
      for (const hook of this.parts.networkHooks) await hook.attach(network);
      await this.createHost(sessionId, FIRST_HOST, { labels, subnet, readerRoot }, options);
    } catch (error) {
      await this.stop(sessionId).catch((cleanupError) =>
        log.warn({ err: cleanupError, session: sessionId }, 'cleanup after failed start failed'),
      );
      throw error;
    }
    options.progress?.('ready');
  }

  async addHost(
    sessionId: string,
    host: HostName,
    owner: SandboxOwner,
    options: StartOptions,
  ): Promise<void> {
    options.signal.throwIfAborted();
    const { engine, log } = this.parts;
    const subnet = await this.subnets.subnetOf(namesOf(engine, sessionId).network).catch(() => undefined);
    if (!subnet) throw new SandboxError('unresponsive', `the sandbox of ${host} has no network to join`);
    options.progress?.('creating');
    try {
      const readerRoot = await this.readerRoot();
      const labels = labelsFor(engine.instance, sessionId, owner);
      await this.createHost(sessionId, host, { labels, subnet, readerRoot }, options);
    } catch (error) {
      await this.removeHost(sessionId, host).catch((cleanupError) =>
        log.warn({ err: cleanupError, session: sessionId, host }, 'cleanup after failed host start failed'),
      );
      throw error;
    }
    options.progress?.('ready');
  }

  async removeHost(sessionId: string, host: HostName): Promise<void> {
    const { engine } = this.parts;
    const names = namesOf(engine, sessionId, host);
    await removeContainer(engine, names.container);
    await ignoreMissing(() => engine.docker.getVolume(names.volume).remove());
  }

  async own(sessionId: string, owner: SandboxOwner): Promise<void> {
    const { engine, log } = this.parts;
    try {
      await engine.docker.createVolume({
        Name: namesOf(engine, sessionId).claim,
        Labels: { ...labelsFor(engine.instance, sessionId, owner), [label.claim]: 'true' },
      });
    } catch (error) {
      log.warn({ err: error, session: sessionId }, 'could not record the owner of a sandbox');
      throw new SandboxError('engine_unavailable', `recording the owner: ${(error as Error).message}`);
    }
  }

  /** One host's disk and container on the sandbox's network, started and followed until it is ready. */
  private async createHost(
    sessionId: string,
    host: HostName,
    parts: { labels: Record<string, string>; subnet: string; readerRoot: string },
    options: StartOptions,
  ) {
    const { engine, settings } = this.parts;
    const { signal } = options;
    const names = namesOf(engine, sessionId, host);
    const labels = { ...parts.labels, [label.host]: host };
    signal.throwIfAborted();
    await engine.docker.createVolume({ Name: names.volume, Labels: labels });
    signal.throwIfAborted();
    const container = await engine.docker.createContainer(
      sandboxContainer(settings, {
        name: names.container,
        host,
        network: names.network,
        subnet: parts.subnet,
        volume: names.volume,
        readerRoot: parts.readerRoot,
        resolvers: await this.resolversFor(names.network, parts.subnet),
        labels,
      }),
    );
    signal.throwIfAborted();
    await container.start();
    options.progress?.('booting');
    await untilReady(engine, sessionId, host, options);
  }

  /** The resolvers a sandbox on `network` (its /24 `subnet`) is given, the forwarder attached first. */
  private async resolversFor(network: string, subnet: string): Promise<string[]> {
    if (this.parts.dns) return [await this.parts.dns.connect(network, subnet)];
    return hostResolvers();
  }

  /**
   * The volume of the sandbox image's files, filled once per image (npm run images fills it for
   * Berth's own; another image is filled at its first start).
   */
  private async readerRoot(): Promise<string> {
    const { engine, settings, log } = this.parts;
    const image = await inspectImage(engine.docker, settings.image);
    if (!image) throw this.imageMissing();
    let volume = this.readerRoots.get(image.Id);
    if (!volume) {
      volume = ensureReaderRoot({
        docker: engine.docker,
        image: settings.image,
        log: (line) => log.info(line),
      }).then((result) => result.ref);
      volume.catch(() => this.readerRoots.delete(image.Id));
      this.readerRoots.set(image.Id, volume);
    }
    return volume;
  }

  async ready(sessionId: string, host: HostName, options: StartOptions): Promise<void> {
    options.signal.throwIfAborted();
    // An adopted sandbox may have lost what the hooks attach or the forwarder, if either was made
    // again while this server was down; the forwarder comes back at the address the sandbox was
    // given. The network is the sandbox's, not a host's: mended once, with node1.
    if (host === FIRST_HOST) {
      const { network } = namesOf(this.parts.engine, sessionId);
      for (const hook of this.parts.networkHooks) await hook.attach(network);
      if (this.parts.dns) {
        const subnet = await this.subnets.subnetOf(network);
        if (subnet) await this.parts.dns.connect(network, subnet);
      }
    }
    await untilReady(this.parts.engine, sessionId, host, options);
    options.progress?.('ready');
  }

  async recordShare(sessionId: string, share: ShareRecord): Promise<void> {
    const { engine } = this.parts;
    try {
      await engine.docker.createVolume({
        Name: namesOf(engine, sessionId).share(share.id),
        Labels: {
          [label.instance]: engine.instance,
          [label.session]: sessionId,
          [label.share]: share.id,
          [label.shareKind]: share.kind,
          [label.created]: share.createdAt.toISOString(),
        },
      });
    } catch (error) {
      throw new SandboxError('engine_unavailable', `recording a share link: ${(error as Error).message}`);
    }
  }

  async forgetShare(sessionId: string, shareId: string): Promise<void> {
    const { engine } = this.parts;
    await ignoreMissing(() => engine.docker.getVolume(namesOf(engine, sessionId).share(shareId)).remove());
  }

  async stop(sessionId: string): Promise<void> {
    const { engine } = this.parts;
    this.parts.onStopped(sessionId);
    const names = namesOf(engine, sessionId);
    const filters = JSON.stringify({
      label: [`${label.instance}=${engine.instance}`, `${label.session}=${sessionId}`],
    });
    // Every host's container before the network, which cannot go while one is on it.
    const hosts = await engine.docker.listContainers({ all: true, filters });
    await Promise.all([names.container, ...hosts.map((c) => c.Id)].map((id) => removeContainer(engine, id)));
    await this.removeNetwork(names.network);
    const volumes = (await engine.docker.listVolumes({ filters })).Volumes ?? [];
    for (const name of new Set([names.volume, names.claim, ...volumes.map((v) => v.Name)])) {
      await ignoreMissing(() => engine.docker.getVolume(name).remove());
    }
  }

  private async removeNetwork(idOrName: string): Promise<void> {
    for (const hook of this.parts.networkHooks) await hook.detach(idOrName);
    await this.parts.dns?.disconnect(idOrName);
    await ignoreMissing(() => this.parts.engine.docker.getNetwork(idOrName).remove());
  }

  async list(): Promise<SandboxRecord[]> {
    const { docker } = this.parts.engine;
    const filters = ownFilter(this.parts.engine);
    const [containers, volumes] = await Promise.all([
      docker.listContainers({ all: true, filters }),
      docker.listVolumes({ filters }),
    ]);
    const owners = new Map<string, Owned>();
    const shares = new Map<string, ShareRecord[]>();
    for (const volume of volumes.Volumes ?? []) {
      const owned = volume.Labels?.[label.claim] === 'true' ? ownedFromLabels(volume.Labels) : undefined;
      if (owned) owners.set(owned.sessionId, owned);
      const share = shareFromLabels(volume.Labels);
      if (share) {
        const { sessionId, ...record } = share;
        shares.set(sessionId, [...(shares.get(sessionId) ?? []), record]);
      }
    }
    // A host's container is node1's when it has no host label: made before hosts were sets.
    const hostOf = (labels: Record<string, string> | undefined): HostName | undefined => {
      const host = labels?.[label.host] ?? FIRST_HOST;
      return isHostName(host) ? host : undefined;
    };
    const running = new Map<string, HostName[]>();
    for (const container of containers) {
      const host = hostOf(container.Labels);
      const session = container.Labels?.[label.session] ?? '';
      if (host && container.State === 'running')
        running.set(session, [...(running.get(session) ?? []), host]);
    }
    const records: SandboxRecord[] = [];
    for (const container of containers) {
      const labels = container.Labels;
      if (hostOf(labels) !== FIRST_HOST) continue;
      const spec =
        labels?.[label.pooled] === 'true' ? owners.get(labels[label.session] ?? '') : ownedFromLabels(labels);
      if (!spec) continue;
      records.push({
        ...spec,
        running: container.State === 'running',
        hosts: byHostNumber(running.get(spec.sessionId) ?? []),
        shares: shares.get(spec.sessionId) ?? [],
      });
    }
    return records;
  }

  async sweep(keep: ReadonlySet<string>): Promise<number> {
    const { engine } = this.parts;
    const filters = ownFilter(engine);
    const [containers, networks, volumes] = await Promise.all([
      engine.docker.listContainers({ all: true, filters }),
      engine.docker.listNetworks({ filters }),
      engine.docker.listVolumes({ filters }),
    ]);
    const removed = new Set<string>();
    const isOrphan = (labels: Record<string, string> | undefined) => {
      const session = labels?.[label.session] ?? '';
      if (keep.has(session)) return false;
      removed.add(session);
      return true;
    };
    // Containers first: a network or volume still in use cannot be removed.
    for (const c of containers.filter((c) => isOrphan(c.Labels))) await removeContainer(engine, c.Id);
    for (const n of networks.filter((n) => isOrphan(n.Labels))) await this.removeNetwork(n.Id);
    for (const v of (volumes.Volumes ?? []).filter((v) => isOrphan(v.Labels))) {
      await ignoreMissing(() => engine.docker.getVolume(v.Name).remove());
    }
    return removed.size;
  }
}
