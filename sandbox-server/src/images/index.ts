export { ensureAllImages } from './all-images.ts';
export { BASE_IMAGE, type DebianSuite, debianImage, ensureBaseImage, ensureDebianImage } from './base.ts';
export { BUILD_HASH_LABEL, type EnsureImageResult, ensureImage, type ImageLog } from './build.ts';
export { CATALOG_IMAGES, CATALOG_NAMES, type Catalog, type CatalogImage, ensureCatalog } from './catalog.ts';
export { REGISTRY_IMAGE, SANDBOX_IMAGE } from './names.ts';
export { ensureRegistryImage } from './registry-image.ts';
export { ensureSandboxImage } from './sandbox-image.ts';
