export { ensureAllImages } from './all-images.ts';
export { BASE_IMAGE, type DebianSuite, debianImage, ensureBaseImage, ensureDebianImage } from './base.ts';
export { BUILD_HASH_LABEL, type EnsureImageResult, ensureImage, type ImageLog } from './build.ts';
export { CATALOG_IMAGES, CATALOG_NAMES, type Catalog, type CatalogImage, ensureCatalog } from './catalog.ts';
export { ensureRegistryImage, REGISTRY_IMAGE } from './registry-image.ts';
export { ensureSandboxImage, SANDBOX_IMAGE } from './sandbox-image.ts';
