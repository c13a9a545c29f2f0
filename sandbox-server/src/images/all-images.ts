import type Docker from 'dockerode';
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
  // The server's images beside the catalog: a build mostly waits on Debian's mirror or on one
  // core, so side by side they finish well before one after the other. Both ask for the trixie
  // base first, and share its making (base.ts).
  const [serverImages, catalog] = await Promise.all([
    (async () => [
      ...(await ensureSandboxImage(options)),
      await ensureRegistryImage(options),
      await ensureDnsImage(options),
    ])(),
    ensureCatalog(options),
  ]);
  const results = [...serverImages, ...catalog.results];
  // The Debian bases are ensured by more than one of these: report each image once.
  return results.filter((result, index) => results.findIndex((other) => other.ref === result.ref) === index);
}
