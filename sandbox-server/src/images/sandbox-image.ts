import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { BASE_IMAGE, ensureBaseImage } from './base.ts';
import { type EnsureImageResult, ensureImage, type ImageLog } from './build.ts';
import { CATALOG_NAMES } from './catalog.ts';
import { SANDBOX_IMAGE } from './names.ts';
import { ensureReaderRoot } from './reader-root.ts';

const SANDBOX_CONTEXT = fileURLToPath(new URL('./sandbox/', import.meta.url));

/**
 * Makes sure the sandbox image (and the Debian base under it) exists and is current, and the
 * reader's root made of its files.
 */
export async function ensureSandboxImage(options: {
  docker: Docker;
  log: ImageLog;
}): Promise<EnsureImageResult[]> {
  const base = await ensureBaseImage(options);
  const sandbox = await ensureImage({
    ...options,
    contextDir: SANDBOX_CONTEXT,
    tag: SANDBOX_IMAGE,
    dependsOn: [BASE_IMAGE],
    // Read by the sandbox's docker wrapper when an image is not available offline.
    files: { catalog: `${CATALOG_NAMES}\n` },
  });
  const readerRoot = await ensureReaderRoot({ ...options, image: SANDBOX_IMAGE });
  return [base, sandbox, readerRoot];
}
