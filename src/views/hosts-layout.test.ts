import { describe, expect, it } from 'vitest';
import { hostsScene } from './hosts-layout.ts';
import type { Container, HostNetworkView, Network } from './views-api.ts';

const appnet: Network = {
  id: 'uvcry5thc0ab',
  name: 'appnet',
  driver: 'overlay',
  bridge: null,
  subnet: '10.0.1.0/24',
  gateway: '10.0.1.1',
};

function task(name: string, ip: string): Container {
  return {
    id: `${name}000000000000`.replace(/\W/g, '0').slice(0, 12),
    name,
    image: 'nginx',
    state: 'running',
    status: 'Up 3 seconds',
    ports: [],
    endpoints: [{ network: 'appnet', ipv4: ip, mac: null, interface: 'eth0', veth: null }],
  };
}

function host(name: string, containers: Container[], more: Partial<HostNetworkView> = {}): HostNetworkView {
  const number = name.slice(4);
  return {
    name,
    address: `100.64.${number}.2`,
    state: 'ready',
    networks: containers.length > 0 ? [appnet] : [],
    containers,
    ...more,
  };
}

describe('the hosts diagram', () => {
  it('draws every host with what runs on it, and the overlay on the hosts it spans, in words too', () => {
    const scene = hostsScene({
      subnet: '100.64.0.0/16',
      hosts: [
        host('node1', [task('web.3.x1', '10.0.1.5')]),
        host('node2', [task('web.1.x2', '10.0.1.3'), task('client', '10.0.1.9')]),
        host('node3', [], { engine: 'idle' }),
      ],
    });
    const texts = scene.shapes.flatMap((shape) => (shape.kind === 'text' ? [shape.text] : []));
    for (const text of [
      'node1',
      'node2',
      'node3',
      '100.64.2.2',
      'web.1.x2',
      'appnet 10.0.1.3',
      'Docker not started yet',
    ])
      expect(texts).toContain(text);
    expect(texts).toContain('overlay appnet 10.0.1.0/24');
    expect(scene.words.lead).toBe('Your 3 hosts, live, with 3 containers and 1 overlay network.');
    expect(scene.words.items.map((item) => item.text)).toEqual([
      'node1 at 100.64.1.2: web.3.x1 (appnet 10.0.1.5)',
      'node2 at 100.64.2.2: web.1.x2 (appnet 10.0.1.3) and client (appnet 10.0.1.9)',
      'node3 at 100.64.3.2: Docker not started yet',
      'overlay appnet 10.0.1.0/24 spans node1 and node2',
    ]);
    expect(scene.desc).toContain('node3 at 100.64.3.2: Docker not started yet.');
  });

  it('fits five hosts side by side, and grows down with the busiest one', () => {
    const few = hostsScene({ subnet: '100.64.0.0/16', hosts: [host('node1', [])] });
    const many = hostsScene({
      subnet: '100.64.0.0/16',
      hosts: ['node1', 'node2', 'node3', 'node4', 'node5'].map((name, i) =>
        host(name, i === 4 ? [task('a', '10.0.1.2'), task('b', '10.0.1.3'), task('c', '10.0.1.4')] : []),
      ),
    });
    expect(many.height).toBeGreaterThan(few.height);
    for (const shape of many.shapes)
      if (shape.kind === 'rect') expect(shape.x + shape.width).toBeLessThanOrEqual(760);
  });
});
