export { BASE_IMAGE, ensureBaseImage } from './base.ts';
export { BUILD_HASH_LABEL, type EnsureImageResult, ensureImage, type ImageLog } from './build.ts';
export { ensureSandboxImage, SANDBOX_IMAGE } from './sandbox-image.ts';
