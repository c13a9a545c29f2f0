import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { type Logger, pino } from 'pino';
import { loadConfig } from '../config/index.ts';
import { COOKIE_NAME } from '../config/session-cookie.ts';
import { mirrorHook } from '../mirror/network-hook.ts';
import { DnsForwarder } from '../sandboxes/dns-forwarder.ts';
import { dockerDriver } from '../sandboxes/docker/index.ts';
import { label } from '../sandboxes/docker/labels.ts';
import { type RunningServer, type StartOptions, startServer } from '../server.ts';
import { sessionIdFor } from '../sessions/token.ts';
import { TerminalClient } from './terminal-client.ts';

export const docker = new Docker();

/** A name no other test or server on this engine uses, so sweeps never touch another's sandboxes. */
export function uniqueInstance(): string {
  return `test-${randomBytes(5).toString('hex')}`;
}

/** Settings every test server starts with unless a test names its own. */
const TEST_DEFAULTS = {
  // Tests that are not about the pool see cold starts, and no extra load on the engine.
  BERTH_POOL_SIZE: '0',
  // Tests create sessions far faster than a reader; the rate limit has tests of its own.
  BERTH_SESSIONS_PER_MINUTE: '1000',
};

/** A real server in this process, on a free port, owning sandboxes under its own instance name. */
export async function startTestServer(
  env: Record<string, string> = {},
  log?: Logger,
  options?: StartOptions,
): Promise<RunningServer & { instance: string }> {
  const instance = env.BERTH_INSTANCE ?? uniqueInstance();
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    LOG_LEVEL: process.env.BERTH_TEST_LOG_LEVEL ?? 'silent',
    ...TEST_DEFAULTS,
    ...env,
    BERTH_INSTANCE: instance,
  });
  return { ...(await startServer(config, log, options)), instance };
}

export type ServerProcess = {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Everything the process printed so far: its JSON log lines. */
  output(): string;
};

/** A real server as its own process, as `npm start` runs it: for restarts, kill -9 and a missing engine. */
export function spawnServer(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
  const entry = fileURLToPath(new URL('../index.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...TEST_DEFAULTS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let log = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const url = /"event":"listening","url":"([^"]+)"/.exec(log)?.[1];
      if (url) resolve({ url, child, exited, output: () => log });
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${log}`)));
  });
}

export type CreatedSession = {
  status: number;
  cookie: string;
  token: string;
  id: string;
  body: Record<string, unknown>;
  retryAfter: string | null;
};

export async function createSession(
  url: string,
  headers: Record<string, string> = {},
): Promise<CreatedSession> {
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { origin: url, ...headers },
  });
  const body = (await response.json()) as Record<string, unknown>;
  const setCookie = response.headers.get('set-cookie') ?? '';
  const token = new RegExp(`${COOKIE_NAME}=([^;]+)`).exec(setCookie)?.[1] ?? '';
  return {
    status: response.status,
    cookie: `${COOKIE_NAME}=${token}`,
    token,
    id: sessionIdFor(token) ?? '',
    body,
    retryAfter: response.headers.get('retry-after'),
  };
}

/** Ends a session as its page would: DELETE with its cookie, from the site's origin. */
export async function endSession(url: string, cookie: string): Promise<void> {
  await fetch(`${url}/api/session`, { method: 'DELETE', headers: { cookie, origin: url } });
}

/** How many containers, networks and volumes on the engine belong to a session. */
export async function resourcesOf(sessionId: string) {
  const filters = JSON.stringify({ label: [`${label.session}=${sessionId}`] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.length,
    networks: networks.length,
    volumes: (volumes.Volumes ?? []).length,
  };
}

/** Polls until `check` holds, with a deadline instead of fixed sleeps. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Removes whatever an instance left behind, so a failed test leaks nothing into the next: the driver's own sweep, keeping nothing, and its DNS forwarder. */
export async function removeInstance(instance: string): Promise<void> {
  const config = loadConfig({ BERTH_INSTANCE: instance });
  // Only to remove it: what it would answer does not matter.
  const dns = new DnsForwarder(docker, instance, pino({ level: 'silent' }), async () => ({
    names: [],
    resolvers: [],
  }));
  const driver = dockerDriver({
    docker,
    instance,
    settings: config.sandbox,
    log: pino({ level: 'silent' }),
    networkHooks: [mirrorHook(docker)],
    dns,
  });
  await driver.sweep(new Set());
  await dns.remove();
}

/** A new session on `url` and its `main` terminal, at its first prompt. */
export async function readySession(
  url: string,
): Promise<{ session: CreatedSession; terminal: TerminalClient }> {
  const session = await createSession(url);
  if (session.status !== 201) throw new Error(`no session: ${JSON.stringify(session.body)}`);
  const terminal = await TerminalClient.open(url, 'main', { cookie: session.cookie });
  await terminal.ready();
  return { session, terminal };
}

export async function readyTerminal(url: string): Promise<TerminalClient> {
  return (await readySession(url)).terminal;
}

/** The sandbox container of a session, as the host's engine has it. */
export async function sandboxContainer(sessionId: string): Promise<Docker.Container> {
  const [found] = await docker.listContainers({
    filters: JSON.stringify({ label: [`${label.session}=${sessionId}`] }),
  });
  if (!found) throw new Error(`no sandbox for session ${sessionId}`);
  return docker.getContainer(found.Id);
}

/**
 * A sandbox on its own network, as the host sees it: its address, and the host's own there (the
 * gateway). The reader's shell sees neither: its namespaces have a network of their own behind
 * the sandbox's.
 */
export async function sandboxAddresses(sessionId: string): Promise<{ address: string; gateway: string }> {
  const { NetworkSettings } = await (await sandboxContainer(sessionId)).inspect();
  const [network] = Object.values(NetworkSettings.Networks);
  if (!network) throw new Error(`the sandbox of session ${sessionId} has no network`);
  return { address: network.IPAddress, gateway: network.Gateway };
}

/** How many sandboxes the server's warm pool holds in `state` now, from its /metrics. */
export async function poolSandboxes(url: string, state: 'ready' | 'starting' | 'queued'): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`berth_pool_sandboxes\\{state="${state}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
}

/** Asks for hosts until the session has `atLeast`, and waits until every one is ready. */
export async function hostsReady(url: string, cookie: string, atLeast: number, timeoutMs = 90_000) {
  const asked = await fetch(`${url}/api/session/hosts`, {
    method: 'POST',
    headers: { cookie, origin: url },
    body: JSON.stringify({ atLeast }),
  });
  if (asked.status !== 202 && asked.status !== 200) {
    throw new Error(`no hosts: ${asked.status} ${await asked.text()}`);
  }
  await eventually(
    async () => {
      const body = (await (await fetch(`${url}/api/session`, { headers: { cookie } })).json()) as {
        hosts?: { state: string }[];
      };
      return body.hosts?.length === atLeast && body.hosts.every((host) => host.state === 'ready');
    },
    `${atLeast} hosts to be ready`,
    timeoutMs,
  );
}

/** Polls GET /api/session until the sandbox is ready. */
export async function sessionReady(url: string, cookie: string, timeoutMs = 90_000): Promise<void> {
  await eventually(
    async () => {
      const response = await fetch(`${url}/api/session`, { headers: { cookie } });
      const body = (await response.json()) as { state?: string };
      if (response.status !== 200) throw new Error(`the session is gone: ${JSON.stringify(body)}`);
      return body.state === 'ready';
    },
    'the sandbox to be ready',
    timeoutMs,
  );
}
