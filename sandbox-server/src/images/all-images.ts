import type Docker from 'dockerode';
import { DEBIAN_SUITES, ensureDebianImage } from './base.ts';
import type { EnsureImageResult, ImageLog } from './build.ts';
import { ensureCatalog } from './catalog.ts';
import { ensureDnsImage } from './dns-image.ts';
import { ensureRegistryImage } from './registry-image.ts';
import { ensureSandboxImage } from './sandbox-image.ts';

/** Every image Berth runs: the Debian bases, the sandbox, the registry, the DNS forwarder and the catalog. */
export async function ensureAllImages(options: {
  docker: Docker;
  log: ImageLog;
}): Promise<EnsureImageResult[]> {
  // The Debian bases first, side by side: everything builds on one of them, and each is made once.
  const bases = await Promise.all(DEBIAN_SUITES.map((suite) => ensureDebianImage({ ...options, suite })));
  // Then the server's images beside the catalog: a build mostly waits on Debian's mirror or on one
  // core, so on two cores two at a time finish well before one after the other.
  const [serverImages, catalog] = await Promise.all([
    (async () => [
      ...(await ensureSandboxImage(options)),
      await ensureRegistryImage(options),
      await ensureDnsImage(options),
    ])(),
    ensureCatalog(options),
  ]);
  const results = [...bases, ...serverImages, ...catalog.results];
  // The Debian bases are ensured by more than one of these: report each image once.
  return results.filter((result, index) => results.findIndex((other) => other.ref === result.ref) === index);
}
