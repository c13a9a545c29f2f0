/**
 * A reader's hosts: how long adding one takes, what three of them hold in memory, idle and in a
 * swarm, and how long the guide runner takes over the Swarm page, which builds one.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { label } from '../sandbox-server/src/sandboxes/docker/labels.ts';
import {
  type CreatedSession,
  createSession,
  endSession,
  hostsReady,
  sessionReady,
} from '../sandbox-server/src/testing/server.ts';
import { runPage } from '../tests/guide/runner.ts';
import { type Figure, lowerThan, percentile } from './figures.ts';
import { TerminalProbe } from './probe.ts';

const docker = new Docker();
const SWARM_PAGE = fileURLToPath(new URL('../content/machine-swarm-compose.mdx', import.meta.url));

async function readySession(url: string): Promise<CreatedSession> {
  const session = await createSession(url);
  if (session.status !== 201) throw new Error(`no session: ${JSON.stringify(session.body)}`);
  await sessionReady(url, session.cookie, 120_000);
  return session;
}

/** Asks for one more host and times it to its first shell prompt, as "+ host" does. */
async function addHost(url: string, session: CreatedSession, host: string): Promise<number> {
  const started = performance.now();
  const asked = await fetch(`${url}/api/session/hosts`, {
    method: 'POST',
    headers: { cookie: session.cookie, origin: url },
  });
  const body = (await asked.json()) as { adding?: string[] };
  if (asked.status !== 202 || body.adding?.[0] !== host) {
    throw new Error(`no ${host}: ${asked.status} ${JSON.stringify(body)}`);
  }
  const shell = await TerminalProbe.open(url, host, session.cookie);
  try {
    await shell.ready();
    return performance.now() - started;
  } finally {
    shell.close();
  }
}

/** Add a host → its shell prompt, `runs` times on fresh sandboxes: node2, then node3 beside it. */
export async function hostAdding(url: string, runs: number): Promise<Figure[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const session = await readySession(url);
    try {
      samples.push(await addHost(url, session, 'node2'), await addHost(url, session, 'node3'));
    } finally {
      await endSession(url, session.cookie);
    }
  }
  return [
    {
      name: 'add a host → its shell prompt, p50',
      value: percentile(samples, 50),
      unit: 'ms',
      target: lowerThan(2000),
      note: `${samples.length} hosts`,
    },
    { name: 'add a host → its shell prompt, p95', value: percentile(samples, 95), unit: 'ms' },
  ];
}

/** The memory of a session's hosts together, as the host's engine counts it (page cache excluded). */
async function memoryOf(session: CreatedSession): Promise<{ mib: number; hosts: number }> {
  const containers = await docker.listContainers({
    filters: JSON.stringify({ label: [`${label.session}=${session.id}`] }),
  });
  let bytes = 0;
  for (const container of containers) {
    const stats = (await docker.getContainer(container.Id).stats({ stream: false })) as {
      memory_stats: { usage?: number; stats?: { cache?: number; inactive_file?: number } };
    };
    const { usage = 0, stats: detail = {} } = stats.memory_stats;
    bytes += usage - (detail.cache ?? detail.inactive_file ?? 0);
  }
  return { mib: bytes / 1024 / 1024, hosts: containers.length };
}

const settle = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Three hosts left idle with a shell each, then the same three made a swarm running a service. */
export async function threeHostMemory(url: string, idleSeconds: number): Promise<Figure[]> {
  const session = await readySession(url);
  const shells: TerminalProbe[] = [];
  try {
    await hostsReady(url, session.cookie, 3);
    for (const tab of ['main', 'node2', 'node3']) {
      const shell = await TerminalProbe.open(url, tab, session.cookie);
      await shell.ready();
      shells.push(shell);
    }
    await settle(idleSeconds);
    const idle = await memoryOf(session);
    const [node1, node2, node3] = shells as [TerminalProbe, TerminalProbe, TerminalProbe];
    if ((await node1.run('docker swarm init --advertise-addr eth0 >/tmp/init', 120_000)) !== 0)
      throw new Error('docker swarm init failed');
    const token = 'docker swarm join --token $(cat /tmp/token) 100.64.1.2:2377';
    if ((await node1.run('docker swarm join-token -q worker >/tmp/token', 60_000)) !== 0)
      throw new Error('no join token');
    // The token is node1's file; each worker is given it over the hosts' network.
    if (
      (await node1.run(
        '(busybox nc -l -p 7777 < /tmp/token &); (busybox nc -l -p 7778 < /tmp/token &)',
        10_000,
      )) !== 0
    )
      throw new Error('could not offer the token');
    for (const [worker, port] of [
      [node2, 7777],
      [node3, 7778],
    ] as const) {
      const code = await worker.run(`busybox nc node1 ${port} >/tmp/token && ${token}`, 120_000);
      if (code !== 0) throw new Error('a worker did not join');
    }
    const service =
      'docker service create --quiet --name web --replicas 3 --publish 8080:80 nginx >/dev/null';
    if ((await node1.run(service, 180_000)) !== 0) throw new Error('the service did not converge');
    await settle(idleSeconds);
    const swarm = await memoryOf(session);
    return [
      {
        name: 'memory of a 3-host reader, docker never run',
        value: idle.mib,
        unit: 'MiB',
        target: lowerThan(45),
        note: `${idle.hosts} hosts, after ${idleSeconds} s idle`,
      },
      {
        name: 'memory of a 3-host reader in a swarm, 3 nginx tasks',
        value: swarm.mib,
        unit: 'MiB',
        note: `${swarm.hosts} hosts, ${idleSeconds} s after the service converged`,
      },
    ];
  } finally {
    for (const shell of shells) shell.close();
    await endSession(url, session.cookie);
  }
}

/** The guide runner over the Swarm page alone: three hosts, a swarm, a service, the mesh. */
export async function swarmPage(url: string): Promise<Figure[]> {
  const report = await runPage(url, SWARM_PAGE);
  const failed = report.results.filter((r) => r.status === 'failed');
  if (failed.length > 0)
    throw new Error(
      `the Swarm page failed at ${failed.map((r) => (r.status === 'failed' ? r.command : '')).join(', ')}`,
    );
  return [
    {
      name: `${path.basename(SWARM_PAGE)}: guide runner, whole page`,
      value: report.seconds * 1000,
      unit: 'ms',
      note: `${report.results.length} blocks, 3 hosts`,
    },
  ];
}
