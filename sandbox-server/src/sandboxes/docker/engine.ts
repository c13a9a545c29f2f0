import type Docker from 'dockerode';
import { engineStatus, ignoreMissing } from '../../errors/index.ts';
import { FIRST_HOST, type HostName } from '../hosts.ts';
import { label } from './labels.ts';

/** What every part of the Docker driver shares: the engine client and this server's names on it. */
export type Engine = {
  docker: Docker;
  /** This server's instance: its resources carry it as a label and in their names. */
  instance: string;
};

const PING_TIMEOUT_MS = 3_000;

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The names of a sandbox's resources on the engine: the reader's network and the claim are the
 * session's; each host has its container and its disk's volume (node1's without the host's name,
 * as before hosts were sets, so sandboxes of an older server are still found).
 */
export function namesOf({ instance }: Engine, sessionId: string, host: HostName = FIRST_HOST) {
  const base = `berth-${instance}-${sessionId.slice(0, 16)}`;
  const own = host === FIRST_HOST ? base : `${base}-${host}`;
  return {
    container: own,
    network: base,
    volume: `${own}-docker`,
    claim: `${base}-claim`,
    share: (shareId: string) => `${base}-share-${shareId.slice(0, 16)}`,
  };
}

export function containerOf(engine: Engine, sessionId: string, host: HostName): Docker.Container {
  return engine.docker.getContainer(namesOf(engine, sessionId, host).container);
}

/** A list filter for this server's own resources. */
export function ownFilter({ instance }: Engine): string {
  return JSON.stringify({ label: [`${label.instance}=${instance}`] });
}

export async function engineAnswers({ docker }: Engine): Promise<boolean> {
  try {
    await withTimeout(docker.ping(), PING_TIMEOUT_MS, 'engine ping');
    return true;
  } catch {
    return false;
  }
}

/** Removes a container, waiting out a removal someone else already started (Docker answers 409). */
export async function removeContainer({ docker }: Engine, idOrName: string): Promise<void> {
  const container = docker.getContainer(idOrName);
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
