import type { Container, PreviewPort, PublishedPort } from '../contract/views.ts';
import { previewUrl } from './preview-path.ts';

/** Addresses the preview reaches through the sandbox's loopback; a port bound elsewhere is not offered. */
const LOOPBACK_REACHABLE = new Set(['0.0.0.0', '127.0.0.1']);

/** The TCP ports the reader's running containers publish where the preview reaches them, one entry per port. */
export function previewablePorts(containers: Container[]): PublishedPort[] {
  const ports = new Map<number, PublishedPort>();
  for (const container of containers) {
    if (container.state !== 'running') continue;
    for (const p of container.ports) {
      if (p.protocol !== 'tcp' || p.hostPort === null || ports.has(p.hostPort)) continue;
      if (!LOOPBACK_REACHABLE.has(p.hostIp ?? '0.0.0.0')) continue;
      ports.set(p.hostPort, { port: p.hostPort, container: container.name, containerPort: p.containerPort });
    }
  }
  return [...ports.values()].sort((a, b) => a.port - b.port);
}

/** The same ports, each with its address on the preview origin. */
export function previewPorts(containers: Container[], previewId: string, origin: string): PreviewPort[] {
  return previewablePorts(containers).map((p) => ({
    ...p,
    url: `${origin}${previewUrl(previewId, p.port)}`,
  }));
}
