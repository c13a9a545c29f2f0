import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRegistryImage } from '../images/registry-image.ts';
import { docker, eventually } from '../testing/server.ts';
import { registryContainer } from './seed.ts';

const run = promisify(execFile);
const name = `berth-mirror-cache-test-${randomUUID().slice(0, 8)}`;
const CACHE_BYTES = 64 * 1024 ** 2;

/** A shell command in the cache's container, as `user`; its output, or the error's. */
async function inCache(command: string, user = 'root'): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('docker', ['exec', '-u', user, name, 'bash', '-c', command], {
      timeout: 30_000,
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

const answers = async () => (await inCache('exec 3<>/dev/tcp/127.0.0.1/5000')).ok;

// An online mirror of its own, on no network (it is never asked for an image here), with a small
// cache that it looks at every second.
beforeAll(async () => {
  await ensureRegistryImage({ docker, log: () => {} });
  const spec = registryContainer(
    name,
    'online',
    { 'berth.test': 'mirror-cache' },
    {
      volume: name,
      bytes: CACHE_BYTES,
      checkSeconds: 1,
    },
  );
  const container = await docker.createContainer({
    ...spec,
    Env: spec.Env.filter((variable) => !variable.startsWith('REGISTRY_PROXY_')),
    HostConfig: { ...spec.HostConfig, NetworkMode: 'none' },
  });
  await container.start();
  await eventually(answers, 'the registry answering', 60_000);
});

afterAll(async () => {
  await docker
    .getContainer(name)
    .remove({ force: true })
    .catch(() => {});
  await docker
    .getVolume(name)
    .remove()
    .catch(() => {});
});

describe('the online mirror’s cache', () => {
  it('is a disk of its size, which the registry cannot write past', async () => {
    const size = await inCache('df -B1 --output=size /var/lib/registry | tail -n 1');
    expect(Number(size.output.trim())).toBeLessThanOrEqual(CACHE_BYTES);
    expect(Number(size.output.trim())).toBeGreaterThan(CACHE_BYTES / 2);
    const fill = await inCache('head -c 200M /dev/zero > /var/lib/registry/filler', 'docker-registry');
    expect(fill.ok).toBe(false);
    expect(fill.output).toMatch(/No space left on device/);
  });

  it('starts afresh once 90 % full, and serves again', async () => {
    await inCache('head -c 200M /dev/zero > /var/lib/registry/filler', 'docker-registry');
    await eventually(
      async () => (await inCache('test -e /var/lib/registry/filler')).ok === false,
      'the full cache emptied',
    );
    await eventually(answers, 'the registry answering again');
    const used = await inCache('df --output=pcent /var/lib/registry | tail -n 1');
    expect(Number(used.output.replace(/\D/g, ''))).toBeLessThan(90);
  });

  it('runs the registry as docker-registry, with no capability to regain', async () => {
    const status = await inCache(
      'for p in /proc/[0-9]*; do [[ $(cat $p/comm 2>/dev/null) == docker-registry ]] && grep -E "^(Uid|CapPrm|CapEff|CapBnd|NoNewPrivs)" $p/status; done',
    );
    const uid = (await inCache('id -u docker-registry')).output.trim();
    expect(status.output).toMatch(new RegExp(`Uid:\\s+${uid}\\s`));
    expect(status.output).toMatch(/CapPrm:\s+0+\n/);
    expect(status.output).toMatch(/CapEff:\s+0+\n/);
    expect(status.output).toMatch(/CapBnd:\s+0+\n/);
    expect(status.output).toMatch(/NoNewPrivs:\s+1/);
  });
});
