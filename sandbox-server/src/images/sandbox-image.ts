import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { BASE_IMAGE, ensureBaseImage } from './base.ts';
import { type EnsureImageResult, ensureImage, type ImageLog } from './build.ts';
import { CATALOG_NAMES } from './catalog.ts';
import { ensureShiftedImage } from './shift-ids.ts';

export const SANDBOX_IMAGE = 'berth/sandbox:latest';
/** The Dockerfile's image, before its files are given to the reader's root. */
const SANDBOX_UNSHIFTED_IMAGE = 'berth/sandbox-unshifted:latest';
const SANDBOX_CONTEXT = fileURLToPath(new URL('./sandbox/', import.meta.url));

/** Makes sure the sandbox image (and the Debian base under it) exists and is current. */
export async function ensureSandboxImage(options: {
  docker: Docker;
  log: ImageLog;
}): Promise<EnsureImageResult[]> {
  const base = await ensureBaseImage(options);
  const unshifted = await ensureImage({
    ...options,
    contextDir: SANDBOX_CONTEXT,
    tag: SANDBOX_UNSHIFTED_IMAGE,
    dependsOn: [BASE_IMAGE],
    // Read by the sandbox's docker wrapper when an image is not available offline.
    files: { catalog: `${CATALOG_NAMES}\n` },
  });
  const sandbox = await ensureShiftedImage({ ...options, from: SANDBOX_UNSHIFTED_IMAGE, tag: SANDBOX_IMAGE });
  return [base, unshifted, sandbox];
}
