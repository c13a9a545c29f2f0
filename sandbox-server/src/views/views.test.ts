import { describe, expect, it } from 'vitest';
import { previewPorts } from '../preview/ports.ts';
import { parseContainers } from './containers.ts';
import { instructionOf } from './images.ts';
import { SEPARATOR } from './inner-engine.ts';
import { containerPart, imagePart } from './names.ts';
import { addVethPairs } from './network.ts';

const summary = (name: string, extra: Record<string, unknown> = {}) => ({
  Id: `${name.padEnd(12, '0').replace(/[^0-9a-f]/g, 'a')}${'f'.repeat(52)}`,
  Names: [`/${name}`],
  Image: 'nginx',
  State: 'running',
  Status: 'Up 1 second',
  Created: 1,
  Ports: [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
  ],
  NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2', MacAddress: '02:42:ac:11:00:02' } } },
  ...extra,
});

describe('the views', () => {
  it('name Dockerfile instructions as they were written', () => {
    expect(instructionOf('/bin/sh -c #(nop)  CMD ["nginx" "-g" "daemon off;"]')).toBe(
      'CMD ["nginx" "-g" "daemon off;"]',
    );
    expect(instructionOf('/bin/sh -c apt-get update')).toBe('RUN apt-get update');
    expect(instructionOf('|1 VERSION=2 /bin/sh -c echo $VERSION')).toBe('RUN echo $VERSION');
    expect(instructionOf('RUN /bin/sh -c apt-get install -y nginx # buildkit')).toBe(
      'RUN apt-get install -y nginx',
    );
    expect(instructionOf('RUN |1 VERSION=2 /bin/sh -c echo $VERSION # buildkit')).toBe('RUN echo $VERSION');
    expect(instructionOf('RUN ["make", "all"] # buildkit')).toBe('RUN ["make", "all"]');
    expect(instructionOf('COPY index.html /var/www/html/ # buildkit')).toBe('COPY index.html /var/www/html/');
    expect(instructionOf('')).toBe('');
  });

  it('list a port published on IPv4 and IPv6 once, and offer only ports the loopback reaches', () => {
    const containers = parseContainers([
      summary('web'),
      summary('private', {
        Ports: [{ IP: '10.0.0.5', PrivatePort: 80, PublicPort: 9000, Type: 'tcp' }],
      }),
      summary('dns', { Ports: [{ IP: '0.0.0.0', PrivatePort: 53, PublicPort: 53, Type: 'udp' }] }),
      summary('stopped', { State: 'exited', Ports: [] }),
    ]);
    expect(containers[0]?.ports).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080 },
    ]);
    const ports = previewPorts(containers, 'a'.repeat(20), 'http://127.0.0.1:8081');
    expect(ports.map((p) => [p.port, p.container])).toEqual([[8080, 'web']]);
    expect(ports[0]?.url).toMatch(/^http:\/\/127\.0\.0\.1:8081\/preview\/[0-9a-f]{20}\/8080\/$/);
  });

  it('pair each endpoint with its veth by the index its eth0 names, matched by MAC address', () => {
    const containers = parseContainers([summary('web')]);
    const links = JSON.stringify([
      { ifindex: 2, ifname: 'docker0' },
      { ifindex: 7, ifname: 'veth776a282' },
    ]);
    const id = `${containers[0]?.id}${'f'.repeat(52)}`;
    addVethPairs(containers, `${links}${SEPARATOR}${id} lo=1=00:00:00:00:00:00 eth0=7=02:42:ac:11:00:02\n`);
    expect(containers[0]?.endpoints[0]).toMatchObject({ interface: 'eth0', veth: 'veth776a282' });
  });

  it('leave the veth unknown when the sandbox answers nonsense', () => {
    const containers = parseContainers([summary('web')]);
    addVethPairs(containers, 'not json at all');
    expect(containers[0]?.endpoints[0]).toMatchObject({ interface: null, veth: null });
  });

  it('take only names that are names, and keep them one path part', () => {
    expect(containerPart('my_web.1')).toBe('my_web.1');
    expect(imagePart('registry:5000/team/app:1.0')).toBe('registry%3A5000%2Fteam%2Fapp%3A1.0');
    for (const bad of ['x', '-rf', '../etc', 'a b', '$(reboot)', 'a;b']) {
      expect(() => containerPart(bad), bad).toThrow(/container is named/);
    }
    for (const bad of ['../../etc/passwd', 'a//b', '-x', 'nginx latest', 'a?b']) {
      expect(() => imagePart(bad), bad).toThrow(/image is named/);
    }
  });
});
