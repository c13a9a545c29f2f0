import { MAX_IMAGES_PER_REQUEST } from '../contract/session.ts';
import { ApiError } from '../errors/index.ts';
import { isImageReference } from '../images/reference.ts';
import type { SandboxAccess } from '../sandboxes/driver.ts';
import { FIRST_HOST } from '../sandboxes/hosts.ts';

/** Images one sandbox is asked to pull over its life: past it, asking again changes nothing. */
export const MAX_PULLS_PER_SANDBOX = 32;

/** The images of a `POST /api/session/pulls` body, `{"images": [...]}`, or a clear refusal. */
export function imagesOf(body: unknown): string[] {
  const images = (body as { images?: unknown } | null)?.images;
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    Object.keys(body).some((key) => key !== 'images') ||
    !Array.isArray(images) ||
    images.length === 0 ||
    images.length > MAX_IMAGES_PER_REQUEST
  ) {
    throw new ApiError(
      'invalid_request',
      `Send {"images": [...]} with 1 to ${MAX_IMAGES_PER_REQUEST} image references.`,
    );
  }
  for (const image of images) {
    if (typeof image !== 'string' || !isImageReference(image)) {
      throw new ApiError(
        'invalid_request',
        `${JSON.stringify(image).slice(0, 80)} is not an image reference like python:3-slim.`,
      );
    }
  }
  return [...new Set(images as string[])];
}

/**
 * Pulls into a reader's sandbox while they read: each image once per sandbox, in the background
 * inside it, so a later `docker run` finds it there. Success or failure shows where a reader
 * looks, in their own terminal, when they use the image; nothing here waits for the pull.
 * Returns every image of the request now pulling or pulled.
 */
export async function startPulls(
  driver: Pick<SandboxAccess, 'exec'>,
  session: { id: string; pullsAsked: Set<string> },
  images: string[],
): Promise<string[]> {
  const asked = session.pullsAsked;
  const fresh = images.filter((image) => !asked.has(image)).slice(0, MAX_PULLS_PER_SANDBOX - asked.size);
  if (fresh.length > 0) {
    // setsid -f leaves the pulls running after the exec returns; their output goes nowhere, as
    // the exec's pipes must close for it to return. One after another: the sandbox has one core.
    // Into node1: a page's images are for its first host, and swarm nodes pull from the mirror.
    await driver.exec(session.id, FIRST_HOST, [
      'setsid',
      '-f',
      'sh',
      '-c',
      'for image; do docker pull --quiet "$image" >/dev/null 2>&1; done',
      'berth-pull',
      ...fresh,
    ]);
    for (const image of fresh) asked.add(image);
  }
  return images.filter((image) => asked.has(image));
}
