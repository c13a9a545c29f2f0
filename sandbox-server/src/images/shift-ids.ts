import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tarStream from 'tar-stream';
import { type EnsureImageResult, type ImageLog, inspectImage, removeQuietly } from './build.ts';

/**
 * Host uid and gid of the reader's root. berth-ns (sandbox/berth-ns.c) maps the reader's ids
 * 0–65535 to ID_SHIFT and up, so a file the image says is root's must belong to ID_SHIFT on the
 * host for the reader's root to own it. Must match ID_BASE there.
 */
export const ID_SHIFT = 100_000;
const SHIFTED_FROM_LABEL = 'berth.shifted-from';

/** Paths that stay the host root's: what runs outside the reader's namespaces (see berth-ns.c). */
const keepsOwner = (name: string) => /^(\.?\/?|berth(\/.*)?)$/.test(name);

/**
 * Makes `tag` from `from` with every file's owner and group moved up by ID_SHIFT, except
 * /berth, unless `tag` was already made from this very `from`. One layer, the same
 * configuration. Docker's own user namespace remapping does this too, but for every container
 * on the engine; this is for the sandbox alone.
 */
export async function ensureShiftedImage(options: {
  docker: Docker;
  from: string;
  tag: string;
  log: ImageLog;
}): Promise<EnsureImageResult> {
  const { docker, from, tag, log } = options;
  const source = await inspectImage(docker, from);
  if (!source) throw new Error(`image ${from} is missing`);
  const existing = await inspectImage(docker, tag);
  if (existing?.Config?.Labels?.[SHIFTED_FROM_LABEL] === source.Id) return { ref: tag, built: false };

  const started = performance.now();
  log(`giving the files of ${from} to the reader's root (host uid ${ID_SHIFT}) as ${tag}`);
  const container = await docker.createContainer({ Image: from, Entrypoint: ['/nonexistent'] });
  try {
    const exported = (await container.export()) as NodeJS.ReadableStream;
    const shifted = shiftOwners(exported);
    const [repo, version = 'latest'] = tag.split(':');
    const reply = await docker.importImage(shifted.output, {
      repo,
      tag: version,
      changes: configChanges(source, { [SHIFTED_FROM_LABEL]: source.Id }),
    } as object);
    await Promise.all([shifted.done, followImport(docker, reply)]);
  } finally {
    await container.remove({ force: true });
  }
  if (existing) await removeQuietly(docker, existing.Id);
  return { ref: tag, built: true, seconds: (performance.now() - started) / 1000, via: 'shift' };
}

/** A tar stream with every entry's owner and group moved up by ID_SHIFT, but those kept. */
function shiftOwners(input: NodeJS.ReadableStream) {
  const extract = tarStream.extract();
  const output = tarStream.pack();
  extract.on('entry', (header, stream, next) => {
    if (!keepsOwner(header.name)) {
      header.uid = (header.uid ?? 0) + ID_SHIFT;
      header.gid = (header.gid ?? 0) + ID_SHIFT;
    }
    stream.pipe(output.entry(header, next));
  });
  extract.on('finish', () => output.finalize());
  return { output, done: pipeline(input, extract) };
}

/** The Dockerfile instructions that give the imported image the source's configuration. */
function configChanges(source: Docker.ImageInspectInfo, labels: Record<string, string>): string[] {
  const config = source.Config;
  const changes = (config.Env ?? []).map((variable) => `ENV ${variable}`);
  if (config.Entrypoint) changes.push(`ENTRYPOINT ${JSON.stringify(config.Entrypoint)}`);
  if (config.Cmd) changes.push(`CMD ${JSON.stringify(config.Cmd)}`);
  if (config.WorkingDir) changes.push(`WORKDIR ${config.WorkingDir}`);
  for (const [name, value] of Object.entries(labels)) changes.push(`LABEL ${name}=${value}`);
  return changes;
}

function followImport(docker: Docker, reply: NodeJS.ReadableStream) {
  return new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(reply, (err: Error | null, events: { error?: string }[]) => {
      const failed = err?.message ?? events.find((event) => event.error)?.error;
      if (failed) reject(new Error(`importing the shifted image failed: ${failed}`));
      else resolve();
    }),
  );
}
