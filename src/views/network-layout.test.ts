import { describe, expect, it } from 'vitest';
import { networkScene, portMappings } from './network-layout.ts';
import type { Shape } from './scene.ts';
import type { Container, Network, NetworkView } from './views-api.ts';

const defaultBridge: Network = {
  id: 'a1b2c3d4e5f6',
  name: 'bridge',
  driver: 'bridge',
  bridge: 'docker0',
  subnet: '172.17.0.0/16',
  gateway: '172.17.0.1',
};
const host: Network = {
  id: '0a0b0c0d0e0f',
  name: 'host',
  driver: 'host',
  bridge: null,
  subnet: null,
  gateway: null,
};
const demoNet: Network = {
  id: '3b422629bd43',
  name: 'demo-net',
  driver: 'bridge',
  bridge: 'br-3b422629bd43',
  subnet: '172.18.0.0/16',
  gateway: '172.18.0.1',
};

function container(name: string, overrides: Partial<Container> = {}): Container {
  return {
    id: `${name}000000000000`.slice(0, 12),
    name,
    image: 'nginx',
    state: 'running',
    status: 'Up 3 seconds',
    ports: [],
    endpoints: [],
    ...overrides,
  };
}

const web = container('web', {
  ports: [
    { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 5000 },
    { containerPort: 80, protocol: 'tcp', hostIp: null, hostPort: null },
  ],
  endpoints: [{ network: 'bridge', ipv4: '172.17.0.3', mac: null, interface: 'eth0', veth: 'veth776a282' }],
});

const texts = (shapes: Shape[]) =>
  shapes.flatMap((shape) => (shape.kind === 'text' ? [shape.full ?? shape.text] : []));

describe('the live network diagram', () => {
  it('describes a container by its address, bridge, veth and published port', () => {
    const scene = networkScene({ networks: [defaultBridge, host], containers: [web] });
    expect(scene.words.items.map((item) => item.text)).toEqual([
      'docker0: the bridge of network bridge, subnet 172.17.0.0/16, gateway 172.17.0.1, with 1 container',
      'web — 172.17.0.3 on docker0 via veth776a282, port 127.0.0.1:5000 → 80/tcp',
    ]);
    expect(texts(scene.shapes)).toEqual(
      expect.arrayContaining(['docker0', 'web', 'eth0 172.17.0.3', 'veth776a282', '127.0.0.1:5000→80/tcp']),
    );
    expect(scene.desc).toContain(
      'web — 172.17.0.3 on docker0 via veth776a282, port 127.0.0.1:5000 → 80/tcp.',
    );
  });

  it('draws a user-defined bridge network as a bridge of its own', () => {
    const api = container('api', {
      endpoints: [{ network: 'demo-net', ipv4: '172.18.0.2', mac: null, interface: 'eth0', veth: 'veth1' }],
    });
    const scene = networkScene({ networks: [demoNet, host, defaultBridge], containers: [web, api] });
    const bridges = scene.words.items.filter((item) => item.kind === 'network').map((item) => item.text);
    expect(bridges[0]).toMatch(/^docker0: /);
    expect(bridges[1]).toBe(
      'br-3b422629bd43: the bridge of network demo-net (user-defined), subnet 172.18.0.0/16, gateway 172.18.0.1, with 1 container',
    );
    expect(scene.words.items.map((item) => item.text)).toContain(
      'api — 172.18.0.2 on br-3b422629bd43 via veth1',
    );
    expect(scene.shapes.filter((s) => s.kind === 'rect' && s.className === 'box-accent')).toHaveLength(2);
  });

  it('says there are no containers yet and suggests running one', () => {
    const scene = networkScene({ networks: [defaultBridge], containers: [] });
    expect(scene.words.items).toHaveLength(1);
    expect(scene.words.items[0]?.text).toMatch(/No containers yet — run one$/);
    expect(texts(scene.shapes)).toContain('No containers yet — run one:');
    expect(scene.summary).toBe('Network diagram updated: 0 containers on 1 bridge.');
  });

  it('grows taller with every container, and never draws past its height', () => {
    const many = (n: number): NetworkView => ({
      networks: [defaultBridge],
      containers: Array.from({ length: n }, (_, i) =>
        container(`c${i}x`, {
          id: `c${String(i).padStart(11, '0')}`,
          endpoints: [
            { network: 'bridge', ipv4: `172.17.0.${i + 2}`, mac: null, interface: 'eth0', veth: `veth${i}` },
          ],
        }),
      ),
    });
    const two = networkScene(many(2));
    const twenty = networkScene(many(20));
    expect(twenty.height).toBeGreaterThan(two.height + 17 * 80);
    for (const shape of twenty.shapes) {
      if (shape.kind === 'rect') expect(shape.y + shape.height).toBeLessThanOrEqual(twenty.height);
      if (shape.kind === 'text') expect(shape.y).toBeLessThan(twenty.height);
    }
    expect(twenty.words.items.filter((item) => item.kind === 'container')).toHaveLength(20);
  });

  it('lists stopped containers and those on no bridge apart, with the reason', () => {
    const stopped = container('old', { state: 'exited', endpoints: [] });
    const hosted = container('hosted', {
      endpoints: [{ network: 'host', ipv4: null, mac: null, interface: null, veth: null }],
    });
    const scene = networkScene({ networks: [defaultBridge, host], containers: [stopped, hosted] });
    const words = scene.words.items.map((item) => item.text);
    expect(words).toContain('old — exited, so it has no address');
    expect(words).toContain('hosted — on network host, no bridge');
    expect(texts(scene.shapes)).toContain('Not on a bridge network');
  });

  it('cuts long names in the drawing but keeps them whole in the words and tooltips', () => {
    const long = container('a-very-long-container-name-that-goes-on-and-on', {
      endpoints: [{ network: 'bridge', ipv4: '172.17.0.9', mac: null, interface: 'eth0', veth: 'veth9' }],
    });
    const scene = networkScene({ networks: [defaultBridge], containers: [long] });
    const name = scene.shapes.find((s) => s.kind === 'text' && s.full === long.name);
    expect(name?.kind === 'text' && name.text.endsWith('…')).toBe(true);
    expect(scene.words.items[1]?.text.startsWith(`${long.name} — `)).toBe(true);
  });
});

describe('port mappings', () => {
  it('shows each binding with its address, IPv6 ones bracketed, and leaves exposed-only ports out', () => {
    expect(
      portMappings([
        { containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080 },
        { containerPort: 53, protocol: 'udp', hostIp: '::1', hostPort: 5353 },
        { containerPort: 443, protocol: 'tcp', hostIp: null, hostPort: null },
      ]),
    ).toEqual(['0.0.0.0:8080 → 80/tcp', '[::1]:5353 → 53/udp']);
  });
});
