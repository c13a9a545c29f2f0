import type Docker from 'dockerode';
import tar from 'tar-fs';
import { engineStatus } from '../errors/index.ts';
import { hashBuildContext } from './context-hash.ts';

/** The label that ties an image to the exact build context it was built from. */
export const BUILD_HASH_LABEL = 'berth.build-hash';

export type ImageLog = (line: string) => void;

export type EnsureImageResult =
  | { ref: string; built: false }
  | { ref: string; built: true; seconds: number; via?: 'pull' | 'debootstrap' | 'build' | 'copy' };

export interface EnsureImageOptions {
  docker: Docker;
  contextDir: string;
  tag: string;
  log: ImageLog;
  /** Images the Dockerfile builds on: a new one of these means a rebuild too. */
  dependsOn?: readonly string[];
  /** Files made by code, added to the context beside the folder's own (name → content). */
  files?: Readonly<Record<string, string>>;
  /** The Dockerfile's name in the context, when it is not `Dockerfile` (one of `files`, say). */
  dockerfile?: string;
}

/**
 * Builds `tag` from `contextDir` unless an image of that tag was already built from the very
 * same context. The classic builder keeps its layer cache, so a rebuild after a small change
 * only redoes the steps after it.
 */
export async function ensureImage(options: EnsureImageOptions): Promise<EnsureImageResult> {
  const { docker, contextDir, tag, log, dependsOn = [], files = {}, dockerfile } = options;
  const dependencyIds = await Promise.all(
    dependsOn.map(async (ref) => `${ref}=${await imageId(docker, ref)}`),
  );
  const generated = Object.entries(files).map(([name, content]) => `file ${name}\0${content}`);
  const hash = await hashBuildContext(contextDir, [...dependencyIds, ...generated]);
  const existing = await inspectImage(docker, tag);
  if (existing?.Config?.Labels?.[BUILD_HASH_LABEL] === hash) return { ref: tag, built: false };

  const started = performance.now();
  log(`building ${tag} from ${contextDir}`);
  const context = tar.pack(contextDir, {
    finalize: false,
    finish: (pack) => {
      for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
      pack.finalize();
    },
  });
  const stream = await docker.buildImage(context, {
    t: tag,
    dockerfile,
    labels: { [BUILD_HASH_LABEL]: hash },
    rm: true,
    forcerm: true,
  });
  await followBuild(docker, stream, tag, log);
  if (existing && existing.Id !== (await imageId(docker, tag))) await removeQuietly(docker, existing.Id);
  return { ref: tag, built: true, seconds: (performance.now() - started) / 1000, via: 'build' };
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Streams the build output to the log and turns an error event into a thrown Error. */
function followBuild(docker: Docker, stream: NodeJS.ReadableStream, tag: string, log: ImageLog) {
  let step = '';
  return new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: BuildEvent[]) => {
        if (err) return reject(err);
        const failed = events.find((event) => event.error);
        if (!failed) return resolve();
        const message = failed.errorDetail?.message ?? failed.error;
        reject(new Error(`building ${tag} failed${step ? ` at ${step}` : ''}: ${message}`));
      },
      (event: BuildEvent) => {
        for (const line of (event.stream ?? '').split('\n')) {
          const text = line.trimEnd();
          if (!text) continue;
          if (/^Step \d+\/\d+ : /.test(text)) step = text;
          log(text);
        }
      },
    );
  });
}

export async function inspectImage(
  docker: Docker,
  ref: string,
): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if (engineStatus(err) === 404) return undefined;
    throw err;
  }
}

async function imageId(docker: Docker, ref: string): Promise<string> {
  const image = await inspectImage(docker, ref);
  if (!image) throw new Error(`image ${ref} is missing`);
  return image.Id;
}

/** The image a rebuild replaced; still in use by a sandbox it stays, which is fine. */
export async function removeQuietly(docker: Docker, id: string) {
  try {
    await docker.getImage(id).remove();
  } catch {}
}
