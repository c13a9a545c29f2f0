import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { BASE_IMAGE, ensureBaseImage } from './base.ts';
import { type EnsureImageResult, ensureImage, type ImageLog } from './build.ts';
import { REGISTRY_IMAGE } from './names.ts';

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
