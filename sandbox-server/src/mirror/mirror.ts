import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { engineStatus } from '../errors/index.ts';

/**
 * The registry mirror every sandbox's inner dockerd pulls through. One per engine, shared by
 * every Berth server on it; it serves read-only (offline: the catalog) or as a pull-through
 * cache (online), so no sandbox can leave anything in it for another to find.
 */
export const MIRROR_CONTAINER = 'berth-mirror';
/** The name inner daemons use for it (`registry-mirrors` in the sandbox image's daemon.json). */
export const MIRROR_ALIAS = 'berth-mirror';
export const MIRROR_VOLUME = 'berth-mirror-data';
export const MIRROR_NETWORK = 'berth-mirror';

export const mirrorLabel = {
  catalog: 'berth.mirror.catalog',
  mode: 'berth.mirror.mode',
  limits: 'berth.mirror.limits',
  cache: 'berth.mirror.cache',
} as const;

/** Starts the mirror if it exists but is stopped (after a reboot); says so when it does not exist. */
export async function startMirror(docker: Docker, log: Logger): Promise<boolean> {
  try {
    const info = await docker.getContainer(MIRROR_CONTAINER).inspect();
    if (!info.State.Running) await docker.getContainer(MIRROR_CONTAINER).start();
    return true;
  } catch (error) {
    if (engineStatus(error) === 404) {
      log.warn('no registry mirror: sandboxes pull from the internet only; `npm run images` sets it up');
      return false;
    }
    if (engineStatus(error) === 304) return true; // started by someone else meanwhile
    throw error;
  }
}

/** Whether the mirror's container runs (and, if it has a health check, is healthy). */
export async function mirrorRunning(docker: Docker): Promise<boolean> {
  const { State } = await docker.getContainer(MIRROR_CONTAINER).inspect();
  return State.Running && (State.Health === undefined || State.Health.Status !== 'unhealthy');
}

/** Lets a sandbox's network reach the mirror by its alias; a missing mirror is not an error. */
export async function connectMirror(docker: Docker, network: string): Promise<void> {
  try {
    await docker.getNetwork(network).connect({
      Container: MIRROR_CONTAINER,
      EndpointConfig: { Aliases: [MIRROR_ALIAS] },
    });
  } catch (error) {
    const message = String((error as Error).message);
    if (engineStatus(error) === 404 || /already exists/.test(message)) return;
    throw error;
  }
}

/** Must come before the network's removal: Docker refuses to remove a network still in use. */
export async function disconnectMirror(docker: Docker, network: string): Promise<void> {
  try {
    await docker.getNetwork(network).disconnect({ Container: MIRROR_CONTAINER, Force: true });
  } catch (error) {
    const message = String((error as Error).message);
    if (engineStatus(error) === 404 || /is not connected/.test(message)) return;
    throw error;
  }
}
