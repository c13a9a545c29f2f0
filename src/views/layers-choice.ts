/**
 * Which image and container the layers diagram shows. Until the reader picks, the most recent
 * running container (on its image), else the most recently created image. Picking an image shows
 * that image alone; picking a container shows it on its image.
 */
import type { Container, Image } from './views-api.ts';

/** The reader's picks; `container: ''` means they chose "no container". */
export type Picks = { image?: string; container?: string };
export type Choice = { image?: string; container?: Container };

/** How the server is asked for an image: its first tag, or its id when untagged. */
export function imageRef(image: Image): string {
  return image.tags[0] ?? image.id;
}

export function imageLabel(image: Image): string {
  return image.tags.length > 0 ? image.tags.join(', ') : `untagged ${image.id}`;
}

/** The image a container was made from; `docker run nginx` records "nginx", tagged "nginx:latest". */
export function imageOf(container: Container, images: Image[]): Image | undefined {
  const named = container.image;
  const id = named.replace(/^sha256:/, '');
  return images.find(
    (image) =>
      image.tags.includes(named) ||
      (!named.includes(':') && image.tags.includes(`${named}:latest`)) ||
      (/^[0-9a-f]{12,64}$/.test(id) && (id.startsWith(image.id) || image.id.startsWith(id))),
  );
}

/** Images and containers come newest first, as the server lists them (as Docker does). */
export function choose(images: Image[], containers: Container[], picks: Picks): Choice {
  const picked = picks.container ? containers.find((c) => c.name === picks.container) : undefined;
  const container =
    picks.container === ''
      ? undefined
      : (picked ?? (picks.image === undefined ? containers.find((c) => c.state === 'running') : undefined));
  if (container) {
    const image = imageOf(container, images);
    return { container, image: image ? imageRef(image) : container.image };
  }
  const image = images.find((candidate) => imageRef(candidate) === picks.image) ?? images[0];
  return { image: image ? imageRef(image) : undefined };
}
