import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.ts';
import {
  readySession,
  readyTerminal,
  removeInstance,
  sandboxAddresses,
  startTestServer,
} from '../testing/server.ts';
import type { TerminalClient } from '../testing/terminal-client.ts';
import { chainNames } from './firewall.ts';

const PORT = 47_000 + Math.floor(Math.random() * 1000);
const namespace = `berth-fw-${randomBytes(3).toString('hex')}`;
/** Test hosts this file makes in a network namespace of its own, one per kind of address. */
const hosts = {
  linkLocal: { ours: '169.254.77.2', theirs: '169.254.77.1' },
  private: { ours: '192.168.77.2', theirs: '192.168.77.1' },
  public: { ours: '198.51.100.2', theirs: '198.51.100.1' }, // TEST-NET-2: documentation only
  otherPublic: { ours: '198.51.100.6', theirs: '198.51.100.5' },
};
/** Each egress policy gets a server on a subnet (so a chain) of its own. */
const EGRESS_SUBNETS = { mirrors: '10.88.0.0/16', none: '10.87.0.0/16' } as const;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
/** A command in the test hosts' network namespace. */
const ipIn = (...args: string[]) => ip('netns', 'exec', namespace, ...args);

let server: RunningServer & { instance: string };
let terminal: TerminalClient;
let sessionId: string;
let listener: ChildProcess | undefined;
let hostListener: Server | undefined;

/** Whether a TCP connection to address:port succeeds, tried from the sandbox. */
async function sandboxReaches(address: string, port: number, shell = terminal): Promise<boolean> {
  const { output } = await shell.run(
    `busybox nc -w 3 ${address} ${port} </dev/null >/dev/null 2>&1 && echo reached || echo refused`,
  );
  return /reached/.test(output);
}

/** Whether a TCP connection succeeds from this process, on the host. */
function hostReaches(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 3000 });
    socket.once('connect', () => resolve(true));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => resolve(false));
    socket.once('close', () => socket.destroy());
    socket.once('connect', () => socket.end());
  });
}

beforeAll(async () => {
  ip('netns', 'add', namespace);
  Object.values(hosts).forEach(({ ours, theirs }, i) => {
    const [outside, inside] = [`bfw${i}o${namespace.slice(-4)}`, `bfw${i}i${namespace.slice(-4)}`];
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    ip('link', 'set', inside, 'netns', namespace);
    ip('addr', 'add', `${ours}/30`, 'dev', outside);
    ip('link', 'set', outside, 'up');
    ip('-n', namespace, 'addr', 'add', `${theirs}/30`, 'dev', inside);
    ip('-n', namespace, 'link', 'set', inside, 'up');
  });
  listener = spawn(
    'ip',
    [
      'netns',
      'exec',
      namespace,
      process.execPath,
      '-e',
      // PORT and 80 answer and close; PORT + 1 holds every connection open, for the connection limit.
      `for (const port of [${PORT}, 80]) require('net').createServer((s) => s.end()).listen(port);` +
        `require('net').createServer(() => {}).listen(${PORT + 1})`,
    ],
    { stdio: 'ignore' },
  );
  hostListener = createServer((socket) => socket.end()).listen(PORT, '0.0.0.0');

  server = await startTestServer({ BERTH_EGRESS: 'open' });
  ({
    terminal,
    session: { id: sessionId },
  } = await readySession(server.url));
});

afterAll(async () => {
  terminal?.ws.close();
  listener?.kill();
  hostListener?.close();
  try {
    ip('netns', 'delete', namespace); // takes the veth pairs with it
  } catch {}
  await server?.shutdown();
  if (server) await removeInstance(server.instance);
});

describe('the sandbox firewall', () => {
  it('is installed in DOCKER-USER and INPUT for the sandbox subnet', () => {
    const { forward, input } = chainNames('10.89.0.0/16');
    expect(execFileSync('iptables', ['-S', 'DOCKER-USER']).toString()).toContain(`-j ${forward}`);
    expect(execFileSync('iptables', ['-S', 'INPUT']).toString()).toContain(`-j ${input}`);
    const rules = execFileSync('iptables', ['-S', forward]).toString();
    for (const range of ['169.254.0.0/16', '0.0.0.0/8', '168.63.129.16/32', '224.0.0.0/4', '240.0.0.0/4']) {
      expect(rules).toMatch(new RegExp(`-d ${range.replaceAll('.', '\\.')} .*REJECT`));
    }
  });

  it('holds a sandbox to about 256 connections out at once', async () => {
    const { output } = await terminal.run(
      // In a subshell, whose end closes them all.
      `(n=0; for i in $(seq 300); do exec {fd}<>/dev/tcp/${hosts.public.theirs}/${PORT + 1} 2>/dev/null && n=$((n+1)); done; echo opened=$n)`,
      60_000,
    );
    // The kernel's connection counter (nf_conncount) drops entries it cannot confirm in time, so on
    // a busy machine a few more get through: 256 on an idle one, 278 once under load. Refused ones
    // take long to fail, so the loop stops at 300.
    const opened = Number(/opened=(\d+)/.exec(output)?.[1]);
    expect(opened, output).toBeGreaterThanOrEqual(256);
    expect(opened, output).toBeLessThan(300);
    expect(await sandboxReaches(hosts.public.theirs, PORT)).toBe(true);
  });

  it('lets a sandbox reach a public address, but not link-local or private ones', async () => {
    for (const { theirs } of Object.values(hosts)) expect(await hostReaches(theirs, PORT)).toBe(true);
    expect(await sandboxReaches(hosts.public.theirs, PORT)).toBe(true);
    expect(await sandboxReaches(hosts.linkLocal.theirs, PORT)).toBe(false);
    expect(await sandboxReaches(hosts.private.theirs, PORT)).toBe(false);
  });

  it('lets nothing out with a source address other than its own', async () => {
    // What a sandbox sends out arrives from the host (Docker NATs its bridge's subnet); a forged
    // address outside that subnet would arrive as it is. The public test host counts both.
    const own = hosts.public.ours;
    const forged = '10.89.250.7';
    for (const source of [own, forged]) ipIn('iptables', '-I', 'INPUT', '-s', source, '-j', 'ACCEPT');
    const arrived = (source: string) => {
      const rules = ipIn('iptables', '-L', 'INPUT', '-v', '-x', '-n').toString();
      const row = rules.split('\n').find((line) => line.includes(` ${source} `));
      return Number(row?.trim().split(/\s+/)[0] ?? 0);
    };
    await terminal.run(`curl -s -m 3 http://${hosts.public.theirs}:${PORT}/`);
    expect(arrived(own)).toBeGreaterThan(0);
    // The reader's root may give its eth0 any address; one not its own goes no further than the sandbox.
    await terminal.run(
      `sudo ip addr add ${forged}/32 dev eth0 && curl -s -m 3 --interface ${forged} http://${hosts.public.theirs}:${PORT}/; sudo ip addr del ${forged}/32 dev eth0`,
    );
    expect(arrived(forged)).toBe(0);
  });

  it("keeps a sandbox off the host's own ports", async () => {
    const { gateway } = await sandboxAddresses(sessionId);
    expect(gateway).toMatch(/^10\.89\.\d+\.1$/);
    expect(await hostReaches(gateway, PORT)).toBe(true);
    expect(await sandboxReaches(gateway, PORT)).toBe(false);
  });
});

describe('the egress policy', () => {
  /** A server whose sandboxes live under `policy`, its shell, and how to stop both. */
  async function underPolicy(policy: keyof typeof EGRESS_SUBNETS) {
    const policed = await startTestServer({
      BERTH_EGRESS: policy,
      // The test host stands in for Debian's package mirror.
      BERTH_EGRESS_MIRRORS: hosts.public.theirs,
      BERTH_SANDBOX_SUBNETS: EGRESS_SUBNETS[policy],
    });
    const shell = await readyTerminal(policed.url);
    return {
      shell,
      async stop() {
        shell.ws.close();
        await policed.shutdown();
        await removeInstance(policed.instance);
      },
    };
  }

  it('mirrors: the package mirror on http and https ports only, nothing else outside, DNS only through the forwarder', async () => {
    const { shell, stop } = await underPolicy('mirrors');
    try {
      expect(await sandboxReaches(hosts.public.theirs, 80, shell)).toBe(true);
      expect(await sandboxReaches(hosts.public.theirs, PORT, shell)).toBe(false);
      expect(await sandboxReaches(hosts.otherPublic.theirs, 80, shell)).toBe(false);
      expect(await sandboxReaches(hosts.private.theirs, 80, shell)).toBe(false);
      const rules = execFileSync('iptables', ['-S', chainNames(EGRESS_SUBNETS.mirrors).forward]).toString();
      expect(rules).not.toMatch(/--dport 53/);
      // The registry mirror is on the sandbox's own network: pulls work under every policy.
      expect((await shell.run('docker pull -q busybox')).code).toBe(0);
    } finally {
      await stop();
    }
  });

  it('none: nowhere outside, not even DNS; the registry mirror still serves', async () => {
    const { shell, stop } = await underPolicy('none');
    try {
      expect(await sandboxReaches(hosts.public.theirs, 80, shell)).toBe(false);
      expect(await sandboxReaches(hosts.otherPublic.theirs, PORT, shell)).toBe(false);
      const rules = execFileSync('iptables', ['-S', chainNames(EGRESS_SUBNETS.none).forward]).toString();
      expect(rules).not.toMatch(/--dport 53/);
      expect((await shell.run('docker pull -q busybox')).code).toBe(0);
    } finally {
      await stop();
    }
  });
});
