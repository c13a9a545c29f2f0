import { access, stat } from 'node:fs/promises';
import type { SandboxMetering } from '../driver.ts';
import type { HostName } from '../hosts.ts';
import { containerOf, type Engine, namesOf, withTimeout } from './engine.ts';

/** The sandbox's disk, a file on its volume (see images/sandbox/outside/setup). */
const DISK_IMAGE = 'disk.img';
/** The longest one look may take. */
const LOOK_MS = 2_000;

/**
 * What sandboxes use, all hosts of each together: disk from their disk files on this host, CPU
 * from the engine's accounting.
 */
export class DockerMetering implements SandboxMetering {
  /** Each measured host's disk file on this host (see diskImageOf), by session and host. */
  private readonly diskImages = new Map<string, string>();

  constructor(private readonly engine: Engine) {}

  async diskUsage(sessionId: string, hosts: readonly HostName[]): Promise<number | undefined> {
    let total = 0;
    for (const host of hosts) {
      const image = await this.diskImageOf(sessionId, host);
      if (!image) return undefined;
      // The disk's file is sparse and mounted with discard: its blocks are what the host holds.
      // One stat, however many files the host made, and bounded all the same.
      total += (await withTimeout(stat(image), LOOK_MS, 'disk look')).blocks * 512;
    }
    return total;
  }

  async cpuSeconds(sessionId: string, hosts: readonly HostName[]): Promise<number | undefined> {
    const seconds = await Promise.all(
      hosts.map(async (host) => {
        // One-shot stats: the engine reads the cgroup's counter once, without sampling for a second.
        const stats = (await withTimeout(
          containerOf(this.engine, sessionId, host).stats({ stream: false, 'one-shot': true } as {
            stream: false;
          }),
          LOOK_MS,
          'cpu look',
        )) as { cpu_stats?: { cpu_usage?: { total_usage?: number } } };
        // A stopped container's stats are all zero, which is no measure of what it used.
        const nanoseconds = stats.cpu_stats?.cpu_usage?.total_usage;
        return nanoseconds ? nanoseconds / 1e9 : undefined;
      }),
    );
    if (seconds.some((value) => value === undefined)) return undefined;
    return seconds.reduce<number>((sum, value) => sum + (value ?? 0), 0);
  }

  /** Forgets what it knew of a removed sandbox. */
  forget(sessionId: string): void {
    for (const key of this.diskImages.keys())
      if (key.startsWith(`${sessionId}/`)) this.diskImages.delete(key);
  }

  /**
   * The file on this host that holds a host's disk, on its volume. It never moves, so it is
   * asked once per host. Undefined when this server cannot see it: not on the engine's host,
   * or not as root.
   */
  private async diskImageOf(sessionId: string, host: HostName): Promise<string | undefined> {
    const key = `${sessionId}/${host}`;
    const known = this.diskImages.get(key);
    if (known) return known;
    const volume = await this.engine.docker.getVolume(namesOf(this.engine, sessionId, host).volume).inspect();
    const image = `${volume.Mountpoint}/${DISK_IMAGE}`;
    const visible = await access(image).then(
      () => true,
      () => false,
    );
    if (!visible) return undefined;
    this.diskImages.set(key, image);
    return image;
  }
}
