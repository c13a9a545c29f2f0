import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tarStream from 'tar-stream';
import { engineStatus, ignoreMissing } from '../errors/index.ts';
import { type EnsureImageResult, type ImageLog, inspectImage } from './build.ts';

/**
 * The files the reader's root is made of: the sandbox image's, as they are, in a volume that every
 * sandbox of that image mounts read-only at MOUNT_POINT. Each sandbox maps its owners to a host id
 * range of its own through an idmapped mount of it (images/sandbox/outside/setup), which the
 * kernel allows on the host's file system but not on the overlay Docker gives a container's root;
 * all sandboxes read the same files, so they share one page cache, as they would share the image's.
 */
export const READER_ROOT_MOUNT = '/berth/lower';
/** Inside the volume: the image's files, and the mark that they are all there. */
const TREE = 'tree';
const COMPLETE_MARK = 'complete';
const LABEL = 'berth.reader-root-of';
/** The image's name, so a fill for a new image of that name removes the old one's. */
const NAME_LABEL = 'berth.reader-root-name';
/** A fill that has not finished in this time is taken for dead, and its lock broken. */
const FILL_PATIENCE_MS = 5 * 60_000;

export function readerRootVolume(imageId: string): string {
  return `berth-reader-root-${imageId.replace(/^sha256:/, '').slice(0, 16)}`;
}

/** How a sandbox container mounts the reader's root of its image. */
export function readerRootMount(volume: string): Docker.MountSettings {
  return {
    Type: 'volume',
    Source: volume,
    Target: READER_ROOT_MOUNT,
    ReadOnly: true,
    VolumeOptions: { NoCopy: true },
  } as Docker.MountSettings;
}

/**
 * Makes sure the reader's root of `image` is filled, filling it when not; returns its volume.
 * The fill's container name is the lock between servers filling at the same moment.
 */
export async function ensureReaderRoot(options: {
  docker: Docker;
  image: string;
  log: ImageLog;
}): Promise<EnsureImageResult> {
  const { docker, image, log } = options;
  const info = await inspectImage(docker, image);
  if (!info) throw new Error(`image ${image} is missing`);
  const volume = readerRootVolume(info.Id);
  if (await isComplete(docker, info.Id, volume)) return { ref: volume, built: false };

  const started = performance.now();
  const lock = `${volume}-fill`;
  for (const deadline = Date.now() + FILL_PATIENCE_MS; ; ) {
    const filler = await createHolder(docker, info.Id, volume, { name: lock, image }).catch((error) => {
      if (engineStatus(error) === 409) return undefined;
      throw error;
    });
    if (filler) {
      try {
        log(`copying the files of ${image} into ${volume}, the sandboxes' reader root`);
        await fill(docker, filler, info.Id);
      } finally {
        await filler.remove({ force: true });
      }
      break;
    }
    // Another server is filling it: wait for its mark, or break its lock once it is given up for dead.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (await isComplete(docker, info.Id, volume)) return { ref: volume, built: false };
    if (Date.now() > deadline) await ignoreMissing(() => docker.getContainer(lock).remove({ force: true }));
  }
  await removeStale(docker, image, info.Id);
  return { ref: volume, built: true, seconds: (performance.now() - started) / 1000, via: 'copy' };
}

/** A container never started, there only so the engine's archive calls reach the volume. */
async function createHolder(
  docker: Docker,
  imageId: string,
  volume: string,
  filling?: { name: string; image: string },
) {
  if (filling)
    await docker.createVolume({ Name: volume, Labels: { [LABEL]: imageId, [NAME_LABEL]: filling.image } });
  return docker.createContainer({
    name: filling?.name,
    Image: imageId,
    Entrypoint: ['/nonexistent'],
    Labels: { [LABEL]: imageId },
    NetworkDisabled: true,
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: READER_ROOT_MOUNT }] },
  });
}

async function isComplete(docker: Docker, imageId: string, volume: string): Promise<boolean> {
  try {
    await docker.getVolume(volume).inspect();
  } catch (error) {
    if (engineStatus(error) === 404) return false;
    throw error;
  }
  const holder = await createHolder(docker, imageId, volume);
  try {
    // The engine's answer to HEAD, unread: it would hold its socket, and this process, open.
    const answer = (await holder.infoArchive({ path: `${READER_ROOT_MOUNT}/${COMPLETE_MARK}` })) as Readable;
    answer.destroy();
    return true;
  } catch (error) {
    if (engineStatus(error) === 404) return false;
    throw error;
  } finally {
    await holder.remove({ force: true });
  }
}

/**
 * The image's files through the engine's export of a container never started (what `docker
 * create` lays down: the image and the empty files Docker mounts over, no more), owners and
 * extended attributes as they are, then the mark. Filling again over a half fill is safe: it is
 * the same image, so the same files.
 */
async function fill(docker: Docker, holder: Docker.Container, imageId: string): Promise<void> {
  await holder.putArchive(await tarOf({ name: `${TREE}/`, type: 'directory', mode: 0o755 }), {
    path: READER_ROOT_MOUNT,
  });
  const source = await docker.createContainer({
    Image: imageId,
    Entrypoint: ['/nonexistent'],
    NetworkDisabled: true,
  });
  try {
    const files = (await source.export()) as NodeJS.ReadableStream;
    await holder.putArchive(files, { path: `${READER_ROOT_MOUNT}/${TREE}` });
  } finally {
    await source.remove({ force: true });
  }
  await holder.putArchive(await tarOf({ name: COMPLETE_MARK, type: 'file', mode: 0o644 }), {
    path: READER_ROOT_MOUNT,
  });
}

async function tarOf(entry: tarStream.Headers): Promise<Buffer> {
  const pack = tarStream.pack();
  pack.entry({ uid: 0, gid: 0, ...entry }, entry.type === 'file' ? '' : undefined);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reader roots of earlier images of this name; one a sandbox still mounts stays, which is fine. */
async function removeStale(docker: Docker, image: string, currentImageId: string): Promise<void> {
  const { Volumes } = await docker.listVolumes({
    filters: JSON.stringify({ label: [`${NAME_LABEL}=${image}`] }),
  });
  for (const volume of Volumes ?? []) {
    if (volume.Labels?.[LABEL] === currentImageId) continue;
    await docker
      .getVolume(volume.Name)
      .remove()
      .catch(() => {});
  }
}
