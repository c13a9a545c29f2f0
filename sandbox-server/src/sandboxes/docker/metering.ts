import { access, stat } from 'node:fs/promises';
import type { SandboxMetering } from '../driver.ts';
import { containerOf, type Engine, namesOf, withTimeout } from './engine.ts';

/** The sandbox's disk, a file on its volume (see images/sandbox/outside/setup). */
const DISK_IMAGE = 'disk.img';
/** The longest one look may take. */
const LOOK_MS = 2_000;

/** What sandboxes use: disk from their disk file on this host, CPU from the engine's accounting. */
export class DockerMetering implements SandboxMetering {
  /** Each measured sandbox's disk file on this host (see diskImageOf). */
  private readonly diskImages = new Map<string, string>();

  constructor(private readonly engine: Engine) {}

  async diskUsage(sessionId: string): Promise<number | undefined> {
    const image = await this.diskImageOf(sessionId);
    if (!image) return undefined;
    // The disk's file is sparse and mounted with discard: its blocks are what the sandbox holds.
    // One stat, however many files the sandbox made, and bounded all the same.
    return (await withTimeout(stat(image), LOOK_MS, 'disk look')).blocks * 512;
  }

  async cpuSeconds(sessionId: string): Promise<number | undefined> {
    // One-shot stats: the engine reads the cgroup's counter once, without sampling for a second.
    const stats = (await withTimeout(
      containerOf(this.engine, sessionId).stats({ stream: false, 'one-shot': true } as { stream: false }),
      LOOK_MS,
      'cpu look',
    )) as { cpu_stats?: { cpu_usage?: { total_usage?: number } } };
    // A stopped container's stats are all zero, which is no measure of what it used.
    const nanoseconds = stats.cpu_stats?.cpu_usage?.total_usage;
    return nanoseconds ? nanoseconds / 1e9 : undefined;
  }

  /** Forgets what it knew of a removed sandbox. */
  forget(sessionId: string): void {
    this.diskImages.delete(sessionId);
  }

  /**
   * The file on this host that holds a sandbox's disk, on its volume. It never moves, so it is
   * asked once per sandbox. Undefined when this server cannot see it: not on the engine's host,
   * or not as root.
   */
  private async diskImageOf(sessionId: string): Promise<string | undefined> {
    const known = this.diskImages.get(sessionId);
    if (known) return known;
    const volume = await this.engine.docker.getVolume(namesOf(this.engine, sessionId).volume).inspect();
    const image = `${volume.Mountpoint}/${DISK_IMAGE}`;
    const visible = await access(image).then(
      () => true,
      () => false,
    );
    if (!visible) return undefined;
    this.diskImages.set(sessionId, image);
    return image;
  }
}
