import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { bridgeName, resolversIn } from '../../sandbox-server/src/sandboxes/firewall.ts';
import { eventually, sandboxAddresses } from '../../sandbox-server/src/testing/server.ts';
import { sandboxOf, useHostile, type Visitor } from './hostile.ts';

const run = promisify(execFile);

const hostile = useHostile();

/** The sandbox's side of the host: its bridge's gateway, where the host's ports would answer. */
let gateway = '';
/** The bystander's own address on its bridge, with a web server of theirs listening on it. */
let bystanderAddress = '';
const BYSTANDER_PORT = 7777;

beforeAll(async () => {
  const { bystander } = hostile;
  ({ gateway, address: bystanderAddress } = await sandboxAddresses(bystander.session.id));
  // A web server on the bystander sandbox's own address. The reader's shell has a network of its
  // own behind it, so this one is started from the host's side, as the container's root.
  const sandbox = await sandboxOf(bystander);
  const httpd = await sandbox.exec({
    Cmd: ['busybox', 'httpd', '-p', String(BYSTANDER_PORT), '-h', '/berth'],
    User: '0:0',
  });
  await httpd.start({});
  await eventually(
    async () =>
      (await fetch(`http://${bystanderAddress}:${BYSTANDER_PORT}/`).catch(() => undefined))?.status === 404,
    'the bystander web server',
  );
});

describe('a visitor reaching out of their sandbox', () => {
  it('to the server’s port on the host: refused, though the port answers there', async () => {
    const port = new URL(hostile.server.url).port;
    // The server listens on every address, the sandbox bridge's included: from the host it answers.
    expect((await fetch(`http://${gateway}:${port}/healthz`)).status).toBe(200);
    const attacker = await hostile.attacker();
    const fromSandbox = await attacker.terminal.run(`curl -sS -m 3 http://${gateway}:${port}/healthz`);
    expect(fromSandbox.code).not.toBe(0);
    const fromInner = await attacker.terminal.run(
      `docker run --rm busybox wget -q -T 3 -O- http://${gateway}:${port}/healthz`,
    );
    expect(fromInner.code).not.toBe(0);
    expect(fromInner.output).not.toContain('"status"');
  });

  it('to the Docker API: the only one in reach is the sandbox’s own', async () => {
    const attacker = await hostile.attacker();
    expect((await attacker.terminal.run('docker info --format "{{.Name}}"')).output).toMatch(/^node1\r?$/m);
    expect((await attacker.terminal.run('grep -c docker.sock /proc/mounts')).output).toMatch(/^0\r?$/m);
    for (const port of [2375, 2376]) {
      const tcp = await attacker.terminal.run(`curl -sS -m 3 http://${gateway}:${port}/version`);
      expect(tcp.code).not.toBe(0);
    }
  });

  it('to another visitor’s sandbox: unreachable, from the sandbox and from its containers', async () => {
    // The host reaches it: the address and port are right.
    expect((await fetch(`http://${bystanderAddress}:${BYSTANDER_PORT}/`)).status).toBe(404);
    const attacker = await hostile.attacker();
    const direct = await attacker.terminal.run(`curl -sS -m 3 http://${bystanderAddress}:${BYSTANDER_PORT}/`);
    expect(direct.code).not.toBe(0);
    const inner = await attacker.terminal.run(
      `docker run --rm busybox wget -q -T 3 -O- http://${bystanderAddress}:${BYSTANDER_PORT}/`,
    );
    expect(inner.code).not.toBe(0);
    expect(inner.output).not.toMatch(/404 Not Found/);
  });

  it('over IPv6, turned on by its root, to the host on the bridge’s link-local address: dropped', async () => {
    const host = createServer((socket) => socket.end('host-reached\n')).listen(0, '::');
    await once(host, 'listening');
    const { port } = host.address() as AddressInfo;
    try {
      const attacker = await hostile.attacker();
      const { stdout } = await run('ip', ['-6', '-o', 'addr', 'show', 'dev', await bridgeOf(attacker)]);
      const linkLocal = /inet6 (fe80::[0-9a-f:]+)\//.exec(stdout)?.[1];
      expect(linkLocal).toBeDefined();
      // IPv6 on for eth0, with /proc/sys made writable first where it is not: the reader's root can.
      const enabled = await attacker.terminal.run(
        '{ sudo sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0 2>/dev/null || { sudo mount -o remount,rw /proc/sys && sudo sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0; }; } && sleep 2 && grep eth0 /proc/net/if_inet6',
      );
      expect(enabled.output).toMatch(/^fe80/m); // eth0 has its IPv6 link-local address
      const reached = await attacker.terminal.run(`busybox nc -w 3 ${linkLocal}%eth0 ${port} </dev/null`);
      expect(reached.output).not.toContain('host-reached');
    } finally {
      host.close();
    }
  });

  it('resolves names: only the package mirrors’ are answered, and the host’s resolvers are out of reach', async () => {
    const attacker = await hostile.attacker();
    const resolves = async (name: string, inner = false) => {
      const lookup = inner ? `docker run --rm busybox nslookup ${name}` : `getent ahostsv4 ${name}`;
      return /answered/.test(
        (await attacker.terminal.run(`${lookup} >/dev/null 2>&1 && echo answered || echo refused`, 60_000))
          .output,
      );
    };
    expect(await resolves('deb.debian.org')).toBe(true);
    // A name of the visitor's choosing is how DNS carries data out: none is forwarded.
    expect(await resolves(`exfil-${Date.now()}.example.org`)).toBe(false);
    expect(await resolves('example.org', true)).toBe(false);
    // The host's own resolver answers that name, to the forwarder; asked directly, not at all.
    const [resolver] = resolversIn(readFileSync('/etc/resolv.conf', 'utf8'));
    if (resolver) {
      const direct = await attacker.terminal.run(
        `timeout 8 busybox nslookup deb.debian.org ${resolver} >/dev/null 2>&1; echo rc=$?`,
      );
      expect(direct.output).not.toMatch(/rc=0\b/);
    }
  });
});

/** The host's name for a visitor's sandbox bridge, from the sandbox's IPv4 address. */
async function bridgeOf(visitor: Visitor): Promise<string> {
  const { address } = await sandboxAddresses(visitor.session.id);
  return bridgeName(address.replace(/\.\d+$/, '.0/24'));
}
