import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { BASE_IMAGE, ensureBaseImage } from './base.ts';
import { type EnsureImageResult, ensureImage, type ImageLog } from './build.ts';

/**
 * Debian's docker-registry (distribution 2.8), listening on :5000 as user docker-registry, data in
 * the volume /var/lib/registry. Read-write by default (for seeding); by environment:
 * REGISTRY_STORAGE_MAINTENANCE_READONLY='{"enabled":true}' serves read-only,
 * REGISTRY_PROXY_REMOTEURL=https://registry-1.docker.io makes it a pull-through cache.
 */
export const REGISTRY_IMAGE = 'berth/registry:latest';
const REGISTRY_CONTEXT = fileURLToPath(new URL('./registry/', import.meta.url));

export async function ensureRegistryImage(options: {
  docker: Docker;
  log: ImageLog;
}): Promise<EnsureImageResult> {
  await ensureBaseImage(options);
  return ensureImage({
    ...options,
    contextDir: REGISTRY_CONTEXT,
    tag: REGISTRY_IMAGE,
    dependsOn: [BASE_IMAGE],
  });
}
