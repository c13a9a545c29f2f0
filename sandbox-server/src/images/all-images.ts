import type Docker from 'dockerode';
import type { Step } from '../preparation/preparation.ts';
import type { EnsureImageResult, ImageLog } from './build.ts';
import { ensureCatalog } from './catalog.ts';
import { ensureDnsImage } from './dns-image.ts';
import { ensureRegistryImage } from './registry-image.ts';
import { ensureSandboxImage } from './sandbox-image.ts';

/** What ensureAllImages does, in the words a status page shows (preparation/). */
export const IMAGE_STEPS = {
  sandbox: 'the sandbox image',
  registry: 'the registry image',
  dns: 'the DNS forwarder image',
  catalog: 'the catalog images',
} as const;

/** Every image Berth runs: the Debian bases, the sandbox, the registry, the DNS forwarder and the catalog. */
export async function ensureAllImages(options: {
  docker: Docker;
  log: ImageLog;
  /** Wraps each of the steps above, for a status to follow; by default it only runs it. */
  track?: Step;
}): Promise<EnsureImageResult[]> {
  const track: Step = options.track ?? ((_label, work) => work());
  // The server's images beside the catalog: a build mostly waits on Debian's mirror or on one
  // core, so side by side they finish well before one after the other. Both ask for the trixie
  // base first, and share its making (base.ts).
  const [serverImages, catalog] = await Promise.all([
    (async () => [
      ...(await track(IMAGE_STEPS.sandbox, () => ensureSandboxImage(options))),
      await track(IMAGE_STEPS.registry, () => ensureRegistryImage(options)),
      await track(IMAGE_STEPS.dns, () => ensureDnsImage(options)),
    ])(),
    track(IMAGE_STEPS.catalog, () => ensureCatalog(options)),
  ]);
  const results = [...serverImages, ...catalog.results];
  // The Debian bases are ensured by more than one of these: report each image once.
  return results.filter((result, index) => results.findIndex((other) => other.ref === result.ref) === index);
}
