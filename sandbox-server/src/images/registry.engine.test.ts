import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatus } from '../mirror/probe.ts';
import { inspectImage } from './build.ts';
import { ensureCatalog } from './catalog.ts';
import { REGISTRY_IMAGE } from './names.ts';
import { ensureRegistryImage } from './registry-image.ts';

const docker = new Docker();
const name = `berth-registry-test-${randomUUID().slice(0, 8)}`;
const labels = { 'berth.test': 'images' };
const source = 'berth/catalog/hello-world:latest';
let address = '';
/** Every local tag the tests make, removed at the end. */
const made: string[] = [];

describe('the registry image', () => {
  beforeAll(async () => {
    await ensureRegistryImage({ docker, log: () => {} });
    await ensureCatalog({ docker, log: () => {} });
    await docker.createVolume({ Name: name, Labels: labels });
  });

  afterAll(async () => {
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => {});
    for (const ref of made) {
      await docker
        .getImage(ref)
        .remove()
        .catch(() => {});
    }
    await docker
      .getVolume(name)
      .remove()
      .catch(() => {});
  });

  it('takes a push and serves it back', async () => {
    await startRegistry([]);
    await docker.getImage(source).tag({ repo: `${address}/library/x`, tag: '1' });
    await follow(
      await docker.getImage(`${address}/library/x:1`).push({ authconfig: { serveraddress: address } }),
    );
    await docker.getImage(`${address}/library/x:1`).remove();

    await follow(await docker.pull(`${address}/library/x:1`));
    expect((await inspectImage(docker, `${address}/library/x:1`))?.Id).toBe(
      (await inspectImage(docker, source))?.Id,
    );
    const tags = await (await fetch(`http://${address}/v2/library/x/tags/list`)).json();
    expect(tags).toEqual({ name: 'library/x', tags: ['1'] });
  });

  it('serves what it has and refuses pushes when read-only by environment', async () => {
    await startRegistry(['REGISTRY_STORAGE_MAINTENANCE_READONLY={"enabled":true}']);
    await follow(await docker.pull(`${address}/library/x:1`));

    await docker.getImage(source).tag({ repo: `${address}/library/x`, tag: '2' });
    await expect(
      follow(
        await docker.getImage(`${address}/library/x:2`).push({ authconfig: { serveraddress: address } }),
      ),
    ).rejects.toThrow(/405|not allowed/i);
  });
});

/** (Re)creates the registry container on the test volume, published on a random local port. */
async function startRegistry(env: string[]) {
  await docker
    .getContainer(name)
    .remove({ force: true })
    .catch(() => {});
  const container = await docker.createContainer({
    name,
    Image: REGISTRY_IMAGE,
    Env: env,
    Labels: labels,
    HostConfig: {
      PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Mounts: [{ Type: 'volume', Source: name, Target: '/var/lib/registry' }],
    },
  });
  await container.start();
  const port = (await container.inspect()).NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort;
  address = `127.0.0.1:${port}`;
  made.push(`${address}/library/x:1`, `${address}/library/x:2`);
  const deadline = Date.now() + 15_000;
  while ((await httpStatus(`http://${address}/v2/`, 2000)) !== 200) {
    if (Date.now() > deadline) throw new Error(`the registry did not answer on ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function follow(stream: Readable | NodeJS.ReadableStream) {
  return new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
      const failed = events?.find((event) => event.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    });
  });
}
