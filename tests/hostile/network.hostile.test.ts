import { beforeAll, describe, expect, it } from 'vitest';
import { useHostile } from './hostile.ts';

const hostile = useHostile();

/** The sandbox's side of the host: its bridge's gateway, where the host's ports would answer. */
let gateway = '';
/** The bystander's own address on its bridge, with a web server of theirs listening on it. */
let bystanderAddress = '';
const BYSTANDER_PORT = 7777;

beforeAll(async () => {
  const { bystander } = hostile;
  gateway = (await bystander.terminal.run("ip route | awk '/^default/ {print $3}'")).output.trim();
  bystanderAddress = (
    await bystander.terminal.run("ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1")
  ).output.trim();
  const served = await bystander.terminal.run(`busybox httpd -p ${BYSTANDER_PORT} -h /tmp`);
  expect(served.code).toBe(0);
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
    expect((await attacker.terminal.run('docker info --format "{{.Name}}"')).output).toMatch(/^sandbox\r?$/m);
    expect((await attacker.terminal.run('grep -c docker.sock /proc/mounts')).output).toMatch(/^0\r?$/m);
    for (const port of [2375, 2376]) {
      const tcp = await attacker.terminal.run(`curl -sS -m 3 http://${gateway}:${port}/version`);
      expect(tcp.code).not.toBe(0);
    }
  });

  it('to another visitor’s sandbox: unreachable, from the sandbox and from its containers', async () => {
    // The bystander reaches its own server: the address and port are right.
    const own = await hostile.bystander.terminal.run(
      `curl -s -m 3 -o /dev/null -w '%{http_code}' http://${bystanderAddress}:${BYSTANDER_PORT}/`,
    );
    expect(own.output).toMatch(/404/);
    const attacker = await hostile.attacker();
    const direct = await attacker.terminal.run(`curl -sS -m 3 http://${bystanderAddress}:${BYSTANDER_PORT}/`);
    expect(direct.code).not.toBe(0);
    const inner = await attacker.terminal.run(
      `docker run --rm busybox wget -q -T 3 -O- http://${bystanderAddress}:${BYSTANDER_PORT}/`,
    );
    expect(inner.code).not.toBe(0);
    expect(inner.output).not.toMatch(/404 Not Found/);
  });
});
