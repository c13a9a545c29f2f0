import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

export type ImageRun = { output: string; exitCode: number };

/**
 * `docker run --rm IMAGE CMD` for tests of images: stdout and stderr together (demultiplexed),
 * each container named under `prefix` and labelled, so a test's afterAll can find what is left.
 */
export function imageRunner(docker: Docker, prefix: string, labels: Record<string, string>) {
  return async (image: string, cmd: string[], network?: string, env: string[] = []): Promise<ImageRun> => {
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (chunk: Buffer) => chunks.push(chunk));
    const [result, container] = (await docker.run(image, cmd, [output, output], {
      name: `${prefix}-${randomUUID().slice(0, 8)}`,
      Labels: labels,
      Env: env,
      Tty: false, // dockerode's run() allocates one unless told not to
      HostConfig: network ? { NetworkMode: network } : {},
    })) as [{ StatusCode: number }, Docker.Container];
    // v: images that declare a volume would leave an anonymous one behind at each run.
    await container.remove({ force: true, v: true });
    return { output: Buffer.concat(chunks).toString(), exitCode: result.StatusCode };
  };
}

/** Removes what image tests left under `prefix`: containers (with their anonymous volumes) and networks. */
export async function removeTestContainers(docker: Docker, prefix: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { name: [prefix] } });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => {}),
    ),
  );
  const networks = await docker.listNetworks({ filters: { name: [prefix] } });
  await Promise.all(
    networks.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => {}),
    ),
  );
}

/** Asks `check` every 100 ms until it says yes; past the timeout, fails naming what it waited for. */
export async function poll(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
