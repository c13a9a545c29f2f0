import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { label } from '../sandboxes/docker/labels.ts';
import type { RunningServer } from '../server.ts';
import {
  type CreatedSession,
  createSession,
  docker,
  hostsReady,
  removeInstance,
  sandboxAddresses,
  sessionReady,
  startTestServer,
} from '../testing/server.ts';
import { TerminalClient } from '../testing/terminal-client.ts';

// The logic of hosts (names, limits, removal, adoption) is tested over the fake driver
// (hosts.test.ts); these check on the engine what a reader's hosts can reach, and what not.
let server: RunningServer & { instance: string };
let reader: CreatedSession;
let other: CreatedSession;
const terminals: TerminalClient[] = [];

async function shell(session: CreatedSession, on: string) {
  const terminal = await TerminalClient.open(server.url, 'main', { cookie: session.cookie, on });
  terminals.push(terminal);
  await terminal.ready();
  return terminal;
}

async function hostsOf(session: CreatedSession) {
  const filters = JSON.stringify({ label: [`${label.session}=${session.id}`] });
  const containers = await docker.listContainers({ all: true, filters });
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  return {
    containers: containers.map((c) => c.Labels[label.host]).sort(),
    volumes: volumes.filter((v) => v.Labels?.[label.host]).length,
  };
}

beforeAll(async () => {
  // Room for exactly one reader's three hosts and another reader's one.
  server = await startTestServer({ BERTH_MAX_SANDBOXES: '4' });
  reader = await createSession(server.url);
  other = await createSession(server.url);
  await sessionReady(server.url, reader.cookie);
  await sessionReady(server.url, other.cookie);
  await hostsReady(server.url, reader.cookie, 3);
}, 180_000);

afterAll(async () => {
  for (const terminal of terminals) terminal.ws.terminate();
  await server?.shutdown();
  if (server) await removeInstance(server.instance);
});

describe("a reader's hosts on the engine", () => {
  it('are sandboxes of their own, each named as its host, on the one network of their reader', async () => {
    expect(await hostsOf(reader)).toEqual({ containers: ['node1', 'node2', 'node3'], volumes: 3 });
    const node2 = await shell(reader, 'node2');
    const seen = await node2.run(
      'hostname; ip -4 -o addr show eth0 | awk "{print \\$4}"; docker info --format "{{.Name}}"',
    );
    expect(seen.output).toMatch(/node2[\s\S]*100\.64\.2\.2\/24[\s\S]*node2/);
  });

  it('reach each other by name and by address, each way', async () => {
    const node1 = await shell(reader, 'node1');
    const node3 = await shell(reader, 'node3');
    const there = await node1.run('ping -c1 -W3 node2 && ping -c1 -W3 node3 && ping -c1 -W3 100.64.3.2');
    expect(there.code).toBe(0);
    // TCP, both ways, from a listener on node3 to a client on node1, by name.
    await node3.run('(busybox nc -l -p 7070 -e echo hello-from-node3 &) ; sleep 0.3');
    const tcp = await node1.run('busybox nc -w 3 node3 7070');
    expect(tcp.output).toContain('hello-from-node3');
  });

  it("cannot reach another reader's hosts, nor the server's host, from any of them", async () => {
    const othersNode1 = await shell(other, 'node1');
    const { address } = await sandboxAddresses(reader.id);
    const node2OnBridge = address.replace(/\.\d+$/, '.12');
    // The other reader's 100.64.2.2 would be their own node2, which they do not have.
    const cross = await othersNode1.run(
      `ping -c1 -W2 ${node2OnBridge}; a=$?; ping -c1 -W2 100.64.2.2; b=$?; echo "codes=$a,$b"`,
    );
    expect(cross.output).toMatch(/codes=[12],[12]/);
    const node2 = await shell(reader, 'node2');
    const { gateway } = await sandboxAddresses(reader.id);
    const port = new URL(server.url).port;
    const toHost = await node2.run(
      `curl -sS -m 3 -o /dev/null http://${gateway}:${port}/healthz; echo "rc=$?"`,
    );
    expect(toHost.output).not.toMatch(/rc=0/);
  });

  it('make a swarm whose routing mesh and virtual IPs answer on every node, with no IPVS in the kernel', async () => {
    const [node1, node2, node3] = [
      await shell(reader, 'node1'),
      await shell(reader, 'node2'),
      await shell(reader, 'node3'),
    ];
    const init = await node1.run('docker swarm init --advertise-addr eth0', 120_000);
    const join = /docker swarm join --token \S+ [0-9.]+:[0-9]+/.exec(init.output)?.[0];
    expect(join).toBeDefined();
    for (const worker of [node2, node3]) expect((await worker.run(join ?? '', 60_000)).code).toBe(0);
    const service = await node1.run(
      'docker network create -d overlay --attachable meshnet >/dev/null && docker service create --quiet --name web --replicas 2 --network meshnet --publish 8080:80 --constraint node.hostname!=node3 nginx',
      180_000,
    );
    expect(service.code).toBe(0);
    // node3 runs no task: the mesh on it still answers, and so do the others, for each of them.
    const answers = await node3.run(
      'for i in 1 2; do for node in node1 node2 node3; do curl -s -m 5 http://$node:8080 | grep -c "<title>Welcome to nginx"; done; done | grep -c 1',
      60_000,
    );
    expect(answers.output).toMatch(/^6\s*$/m);
    const vip = await node3.run(
      'docker run --rm --network meshnet busybox sh -c \'for i in 1 2 3 4; do wget -qO- -T 5 http://web; done\' | grep -c "<title>Welcome to nginx"',
      120_000,
    );
    expect(vip.output).toMatch(/^4\s*$/m);
    for (const node of [node3, node2]) await node.run('docker swarm leave', 60_000);
    await node1.run('docker swarm leave --force', 60_000);
  });

  it("count towards the server's maximum, and a removed host frees its place and its name", async () => {
    const refused = await fetch(`${server.url}/api/session/hosts`, {
      method: 'POST',
      headers: { cookie: other.cookie, origin: server.url },
    });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'at_capacity' } });

    const removed = await fetch(`${server.url}/api/session/hosts/node3`, {
      method: 'DELETE',
      headers: { cookie: reader.cookie, origin: server.url },
    });
    expect(removed.status).toBe(200);
    expect(await hostsOf(reader)).toEqual({ containers: ['node1', 'node2'], volumes: 2 });
    const node1 = await shell(reader, 'node1');
    const names = await node1.run('sleep 1; getent hosts node3; echo "rc=$?"');
    expect(names.output).toContain('rc=2');
    await hostsReady(server.url, other.cookie, 2);
  });
});
