import { lookup } from 'node:dns/promises';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { engineStatus, ignoreMissing } from '../errors/index.ts';
import { type CatalogImage, REGISTRY_IMAGE } from '../images/index.ts';
import { MIRROR_CONTAINER, MIRROR_NETWORK, MIRROR_VOLUME, mirrorLabel } from './mirror.ts';
import { httpStatus } from './probe.ts';

type Log = (line: string) => void;
export type MirrorMode = 'offline' | 'online';

const HUB = 'registry-1.docker.io';
const SEED_CONTAINER = 'berth-mirror-seed';
/** Online, the cache is kept apart from the catalog so the two never mix; it holds the cache's disk. */
const CACHE_VOLUME = 'berth-mirror-cache-disk';
/** Where the cache was kept before it had a disk of its own: removed, unbounded as it was. */
const UNBOUNDED_CACHE_VOLUME = 'berth-mirror-cache';

/** Whether Docker Hub answers; a name that does not resolve settles it without sending a packet. */
export async function hubAnswers(): Promise<boolean> {
  try {
    await lookup(HUB);
    return (await httpStatus(`https://${HUB}/v2/`, 3000, 'HEAD')) !== undefined;
  } catch {
    return false;
  }
}

function registryEnv(mode: 'seed' | MirrorMode): string[] {
  if (mode === 'seed') return [];
  if (mode === 'offline') return ['REGISTRY_STORAGE_MAINTENANCE_READONLY={"enabled":true}'];
  return [`REGISTRY_PROXY_REMOTEURL=https://${HUB}`];
}

function removeContainer(docker: Docker, name: string): Promise<void> {
  return ignoreMissing(() => docker.getContainer(name).remove({ force: true }));
}

async function ensureNetwork(docker: Docker): Promise<void> {
  const existing = await docker.listNetworks({ filters: JSON.stringify({ name: [MIRROR_NETWORK] }) });
  if (existing.some((n) => n.Name === MIRROR_NETWORK)) return;
  await docker.createNetwork({ Name: MIRROR_NETWORK, Driver: 'bridge', CheckDuplicate: true });
}

/**
 * The mirror serves every sandbox, so none may make it use the host without bound: memory,
 * processes and its log are capped. Named in its labels, so a mirror made before these limits is
 * made again.
 */
const LIMITS = { memoryBytes: 512 * 1024 * 1024, pids: 256, logSize: '10m' };
const LIMITS_LABEL = `${LIMITS.memoryBytes},${LIMITS.pids},${LIMITS.logSize}`;

/** The online cache: its volume, and the size of the disk the registry's entrypoint makes on it. */
export type MirrorCache = { volume: string; bytes: number; checkSeconds?: number };

/**
 * Online, the cache holds what any sandbox pulls: it gets a disk of its own of `cache.bytes`,
 * which the image's entrypoint (images/registry/berth-registry) mounts through a loop device before
 * it drops to the registry's user with no capabilities; so the container needs what that takes.
 */
function cacheDisk(cache: MirrorCache) {
  return {
    env: [
      `BERTH_CACHE_BYTES=${cache.bytes}`,
      ...(cache.checkSeconds ? [`BERTH_CACHE_CHECK_SECONDS=${cache.checkSeconds}`] : []),
    ],
    mounts: [{ Type: 'volume' as const, Source: cache.volume, Target: '/berth/cache' }],
    hostConfig: {
      CapAdd: ['SYS_ADMIN'],
      Devices: [
        { PathOnHost: '/dev/loop-control', PathInContainer: '/dev/loop-control', CgroupPermissions: 'rwm' },
      ],
      DeviceCgroupRules: ['b 7:* rwm'],
      Init: true,
    },
  };
}

export function registryContainer(
  name: string,
  mode: 'seed' | MirrorMode,
  labels: Record<string, string>,
  cache?: MirrorCache,
) {
  if (mode === 'online' && !cache) throw new Error('an online mirror needs its cache');
  const disk = mode === 'online' ? cacheDisk(cache as MirrorCache) : undefined;
  return {
    name,
    Image: REGISTRY_IMAGE,
    Env: [...registryEnv(mode), ...(disk?.env ?? [])],
    Labels: labels,
    ExposedPorts: mode === 'seed' ? { '5000/tcp': {} } : undefined,
    HostConfig: {
      NetworkMode: MIRROR_NETWORK,
      Mounts: disk?.mounts ?? [
        { Type: 'volume' as const, Source: MIRROR_VOLUME, Target: '/var/lib/registry' },
      ],
      ...disk?.hostConfig,
      RestartPolicy: { Name: mode === 'seed' ? '' : 'unless-stopped' },
      Memory: LIMITS.memoryBytes,
      MemorySwap: LIMITS.memoryBytes,
      PidsLimit: LIMITS.pids,
      LogConfig: {
        Type: 'local',
        Config: { 'max-size': LIMITS.logSize, 'max-file': '1', compress: 'false' },
      },
      // Only the seeding run is published, and on loopback only: nothing outside the host reaches it.
      PortBindings: mode === 'seed' ? { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } : undefined,
    },
  };
}

async function waitForRegistry(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if ((await httpStatus(`${url}/v2/`, 2000)) === 200) return;
    if (Date.now() > deadline) throw new Error(`the registry at ${url} did not answer within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function push(docker: Docker, ref: string, registry: string): Promise<void> {
  // The engine wants an X-Registry-Auth header even for a registry without auth.
  const stream = (await docker.getImage(ref).push({ authconfig: { serveraddress: registry } })) as Readable;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: { error?: string }[]) => {
      const failed = events?.find((event) => event.error);
      if (error || failed) reject(error ?? new Error(failed?.error));
      else resolve();
    });
  });
}

/** Pushes the catalog into the mirror's volume through a short-lived writable registry. */
async function seed(docker: Docker, images: CatalogImage[], log: Log): Promise<void> {
  await removeContainer(docker, SEED_CONTAINER);
  const container = await docker.createContainer(registryContainer(SEED_CONTAINER, 'seed', {}));
  try {
    await container.start();
    const port = (await container.inspect()).NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort;
    if (!port) throw new Error('the seeding registry got no port');
    const host = `127.0.0.1:${port}`;
    await waitForRegistry(`http://${host}`);
    for (const image of images) {
      const target = `${host}/${image.repository}`;
      await docker.getImage(image.local).tag({ repo: target, tag: image.tag });
      try {
        await push(docker, `${target}:${image.tag}`, host);
        log(`mirror: ${image.repository}:${image.tag} seeded`);
      } finally {
        await docker.getImage(`${target}:${image.tag}`).remove({ noprune: true });
      }
    }
  } finally {
    await container.remove({ force: true });
  }
}

/**
 * Makes the mirror current: offline it serves exactly the given catalog, read-only; online it is a
 * pull-through cache of Docker Hub. Does nothing when the running mirror already is that.
 */
export async function ensureMirror(options: {
  docker: Docker;
  mode: MirrorMode;
  catalog: { images: CatalogImage[]; hash: string };
  /** The size of the online cache's disk (BERTH_MIRROR_CACHE). */
  cacheBytes: number;
  log: Log;
}): Promise<{ changed: boolean; seconds: number }> {
  const { docker, mode, catalog, cacheBytes, log } = options;
  const started = performance.now();
  const wanted = {
    [mirrorLabel.mode]: mode,
    [mirrorLabel.catalog]: mode === 'offline' ? catalog.hash : '',
    [mirrorLabel.limits]: LIMITS_LABEL,
    [mirrorLabel.cache]: mode === 'online' ? String(cacheBytes) : '',
  };
  let current: Docker.ContainerInspectInfo | undefined;
  try {
    current = await docker.getContainer(MIRROR_CONTAINER).inspect();
  } catch (error) {
    if (engineStatus(error) !== 404) throw error;
  }
  const labels = current?.Config.Labels ?? {};
  // A registry image rebuilt (a fix in the package, the entrypoint) is taken up as a change too.
  const image = await docker.getImage(REGISTRY_IMAGE).inspect();
  if (
    current?.Image === image.Id &&
    Object.entries(wanted).every(([key, value]) => (labels[key] ?? '') === value)
  ) {
    if (!current.State.Running) await docker.getContainer(MIRROR_CONTAINER).start();
    return { changed: false, seconds: (performance.now() - started) / 1000 };
  }
  await ensureNetwork(docker);
  if (mode === 'offline') await seed(docker, catalog.images, log);
  // Sandboxes attached to the old container lose it here; servers reattach them when they adopt.
  await removeContainer(docker, MIRROR_CONTAINER);
  const container = await docker.createContainer(
    registryContainer(MIRROR_CONTAINER, mode, wanted, { volume: CACHE_VOLUME, bytes: cacheBytes }),
  );
  await ignoreMissing(() => docker.getVolume(UNBOUNDED_CACHE_VOLUME).remove());
  await container.start();
  return { changed: true, seconds: (performance.now() - started) / 1000 };
}
