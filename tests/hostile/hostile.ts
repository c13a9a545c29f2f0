import type { Logger } from 'pino';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { RunningServer } from '../../sandbox-server/src/server.ts';
import {
  type CreatedSession,
  createSession,
  endSession,
  eventually,
  removeInstance,
  sandboxContainer,
  startTestServer,
} from '../../sandbox-server/src/testing/server.ts';
import { TerminalClient } from '../../sandbox-server/src/testing/terminal-client.ts';

/** How long the server and a bystander's shell may take to answer after each hostile case. */
export const ANSWER_WITHIN_MS = 2_000;

/** Trusted, so each attacker can come from an address of its own (X-Forwarded-For) and hit its own limits. */
const PROXY = '127.0.0.1';

export type Visitor = { session: CreatedSession; terminal: TerminalClient; address: string };

export type Hostile = {
  server: RunningServer & { instance: string };
  /** Another visitor, from another address, whose sandbox must not notice any of it. */
  bystander: Visitor;
  /** A new visitor with a ready shell, from an address no other visitor of this file uses. */
  attacker(): Promise<Visitor>;
};

let addresses = 0;

/** A documentation address (TEST-NET-2) per visitor, so per-address limits do not mix cases. */
function nextAddress(): string {
  addresses++;
  return `198.51.100.${addresses}`;
}

/**
 * For one file of hostile cases: a server with the default limits (but the disk allowance, kept
 * small so filling it is quick) listening on every address, so its port is there to be reached
 * from a sandbox; a bystander; and after every case the check that both still answer in time.
 */
export function useHostile(env: Record<string, string> = {}, log?: Logger): Hostile {
  const hostile = {} as Hostile;
  const attackers: Visitor[] = [];
  beforeAll(async () => {
    hostile.server = await startTestServer(
      {
        HOST: '0.0.0.0',
        BERTH_TRUSTED_PROXIES: PROXY,
        BERTH_SESSIONS_PER_MINUTE: '10',
        BERTH_SANDBOX_DISK: '512m',
        ...env,
      },
      log,
    );
    hostile.bystander = await visit(hostile.server.url, nextAddress());
    hostile.attacker = async () => {
      const visitor = await visit(hostile.server.url, nextAddress());
      attackers.push(visitor);
      return visitor;
    };
  });
  afterEach(async () => {
    // Each case's attackers go, as a reader's tab would close, so the next case starts clean.
    await Promise.all(attackers.splice(0).map((visitor) => leave(hostile.server.url, visitor)));
    await expectStillAnswering(hostile);
  });
  afterAll(async () => {
    hostile.bystander?.terminal.ws.close();
    await hostile.server?.shutdown();
    if (hostile.server) await removeInstance(hostile.server.instance);
  });
  return hostile;
}

async function visit(url: string, address: string): Promise<Visitor> {
  const session = await createSession(url, { 'x-forwarded-for': address });
  if (session.status !== 201) throw new Error(`no session for ${address}: ${JSON.stringify(session.body)}`);
  const terminal = await TerminalClient.open(url, 'main', { cookie: session.cookie });
  await terminal.ready();
  return { session, terminal, address };
}

async function leave(url: string, visitor: Visitor): Promise<void> {
  visitor.terminal.ws.terminate();
  await endSession(url, visitor.session.cookie);
}

/** The server's health check and the bystander's shell both answer within ANSWER_WITHIN_MS. */
export async function expectStillAnswering({ server, bystander }: Hostile): Promise<void> {
  const started = Date.now();
  const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
  expect(health.status).toBe(200);
  const token = `still-here-${Date.now()}`;
  const echo = await bystander.terminal.run(`echo ${token}`, ANSWER_WITHIN_MS);
  expect(echo.output).toContain(token);
  expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS * 2);
}

/** The sandbox container of a visitor, as the host's engine has it. */
export function sandboxOf(visitor: Visitor) {
  return sandboxContainer(visitor.session.id);
}

type Stats = {
  read: string;
  pids_stats: { current?: number; limit?: number };
  cpu_stats: { cpu_usage: { total_usage: number } };
  memory_stats: { usage?: number; limit?: number };
};

/** One sample of the sandbox's cgroup counters, read on the host. */
export async function statsOf(visitor: Visitor): Promise<Stats> {
  return (await (await sandboxOf(visitor)).stats({ stream: false })) as unknown as Stats;
}

/** Waits until the sandbox's process count reaches at least `count`. */
export function untilPids(visitor: Visitor, count: number, timeoutMs = 60_000): Promise<number> {
  return eventually(
    async () => {
      const current = (await statsOf(visitor)).pids_stats.current ?? 0;
      return current >= count ? current : undefined;
    },
    `${count} processes in the sandbox`,
    timeoutMs,
  );
}
