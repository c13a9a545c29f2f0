import { afterAll, describe, expect, it } from 'vitest';
import { label } from '../sandboxes/docker/labels.ts';
import type { RunningServer } from '../server.ts';
import {
  createSession,
  docker,
  eventually,
  poolSandboxes,
  removeInstance,
  resourcesOf,
  type ServerProcess,
  sessionReady,
  spawnServer,
  startTestServer,
  uniqueInstance,
} from '../testing/server.ts';
import { TerminalClient } from '../testing/terminal-client.ts';

const servers: RunningServer[] = [];
const processes: ServerProcess[] = [];
const instances = new Set<string>();

async function server(env: Record<string, string>) {
  const started = await startTestServer(env);
  servers.push(started);
  instances.add(started.instance);
  return started;
}

afterAll(async () => {
  for (const s of servers) await s.shutdown();
  for (const p of processes) p.child.kill('SIGKILL');
  for (const instance of instances) await removeInstance(instance);
});

/** The instance's sandbox containers, and the session ids of those still in the pool (not claimed). */
async function sandboxes(instance: string) {
  const filters = JSON.stringify({ label: [`${label.instance}=${instance}`] });
  const [containers, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listVolumes({ filters }),
  ]);
  const claimed = new Set(
    (volumes.Volumes ?? [])
      .filter((v) => v.Labels?.[label.claim] === 'true')
      .map((v) => v.Labels[label.session]),
  );
  const pooled = containers
    .filter((c) => c.Labels[label.pooled] === 'true' && !claimed.has(c.Labels[label.session]))
    .map((c) => c.Labels[label.session] ?? '');
  return { all: containers.length, pooled };
}

const poolReady = (url: string, count: number) =>
  eventually(async () => (await poolSandboxes(url, 'ready')) === count, `${count} ready in the pool`, 90_000);

/** What a reader can see of their sandbox from the shell, minus what differs by nature (ids, times). */
const LOOK_AROUND = [
  'id',
  'hostname',
  'pwd',
  'ls -A ~',
  'docker ps -a --format x | wc -l',
  'docker images --format x | wc -l',
  'docker network ls --format "{{.Name}}"',
  'docker info --format "{{.Containers}} {{.Images}} {{.Driver}}"',
  'ip -br link | cut -d" " -f1 | cut -d@ -f1 | sort',
  'ps -eo user,comm --no-headers | sort | uniq -c',
].join('; ');

async function lookAround(url: string, cookie: string): Promise<string> {
  const terminal = await TerminalClient.open(url, 'main', { cookie });
  await terminal.ready();
  const { code, output } = await terminal.run(LOOK_AROUND);
  terminal.ws.close();
  expect(code).toBe(0);
  return output;
}

describe('the warm pool', () => {
  it('hands out a ready sandbox at once, the same to the reader as a cold one, and refills', async () => {
    const pooledServer = await server({ BERTH_POOL_SIZE: '1' });
    await poolReady(pooledServer.url, 1);
    const [waiting] = (await sandboxes(pooledServer.instance)).pooled;

    const before = Date.now();
    const pooled = await createSession(pooledServer.url);
    expect(pooled.status).toBe(201);
    expect(pooled.id).toBe(waiting);
    expect(pooled.body.state).toBe('ready');
    // Its lifetime starts when the reader takes it, not when the pool started it.
    expect(Date.parse(String(pooled.body.expiresAt))).toBeGreaterThanOrEqual(before + 3600_000 - 1000);

    const coldServer = await server({});
    const cold = await createSession(coldServer.url);
    expect(cold.body.state).toBe('starting');
    await sessionReady(coldServer.url, cold.cookie);
    expect(await lookAround(pooledServer.url, pooled.cookie)).toBe(
      await lookAround(coldServer.url, cold.cookie),
    );

    await poolReady(pooledServer.url, 1);
    const after = await sandboxes(pooledServer.instance);
    expect(after.pooled).toHaveLength(1);
    expect(after.pooled).not.toContain(pooled.id);
    const metrics = await (await fetch(`${pooledServer.url}/metrics`)).text();
    expect(metrics).toMatch(/berth_sessions_created_total\{from="pool"\} 1/);
  });

  it('after kill -9, a restart adopts taken sandboxes with their expiry and removes untaken ones', async () => {
    const instance = uniqueInstance();
    instances.add(instance);
    const first = await spawnServer({ BERTH_INSTANCE: instance, BERTH_POOL_SIZE: '2' });
    processes.push(first);
    await poolReady(first.url, 2);
    const taken = await createSession(first.url);
    expect(taken.body.state).toBe('ready');
    await poolReady(first.url, 2);
    const untaken = (await sandboxes(instance)).pooled;
    expect(untaken).toHaveLength(2);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnServer({ BERTH_INSTANCE: instance });
    processes.push(second);
    const response = await fetch(`${second.url}/api/session`, { headers: { cookie: taken.cookie } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ state: 'ready', expiresAt: taken.body.expiresAt });
    for (const id of untaken)
      expect(await resourcesOf(id)).toEqual({ containers: 0, networks: 0, volumes: 0 });

    const terminal = await TerminalClient.open(second.url, 'main', { cookie: taken.cookie });
    await terminal.ready();
    expect(await terminal.run('echo adopted-$((6*7))')).toMatchObject({
      code: 0,
      output: expect.stringContaining('adopted-42'),
    });
    terminal.ws.close();
  });

  it('removes its untaken sandboxes on shutdown and leaves taken ones', async () => {
    const { url, instance, shutdown } = await startTestServer({ BERTH_POOL_SIZE: '1' });
    instances.add(instance);
    await poolReady(url, 1);
    const taken = await createSession(url);
    await poolReady(url, 1);
    const [untaken] = (await sandboxes(instance)).pooled;
    await shutdown();
    expect(await resourcesOf(untaken ?? '')).toEqual({ containers: 0, networks: 0, volumes: 0 });
    expect(await resourcesOf(taken.id)).toMatchObject({ containers: 1 });
  });
});
