import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { type EnsureImageResult, ensureImage, type ImageLog, inspectImage } from './build.ts';
import { isTag, splitReference } from './reference.ts';

/**
 * A team's own images, from a `catalog/` folder beside its pages (README, "A team's own images"):
 * - every folder holding a Dockerfile is an image named by its path under catalog/
 *   (`catalog/acme/greeter/Dockerfile` is `acme/greeter`), tagged `latest` or as its `tags` file
 *   says (one tag per line, the first built);
 * - `catalog/images` lists images already on the host's engine (`acme/api:1.4`, one per line,
 *   `#` comments), served under the names given.
 */
export interface TeamImage {
  /** What the mirror serves: `library/python` for a one-word name, as Docker Hub does. */
  repository: string;
  tag: string;
  /** Where it came from, for messages: `catalog/acme/greeter/Dockerfile`, `catalog/images:3`. */
  source: string;
  /** A folder to build, or the host engine's image of that name. */
  from: { build: string } | { engine: string };
}

export class TeamCatalogError extends Error {}

/**
 * Reads catalog folders; bad entries are errors naming the file and line, nothing is skipped,
 * and a name and tag given twice is an error too.
 */
export function readTeamCatalogs(dirs: readonly string[]): TeamImage[] {
  const images = dirs.flatMap(readTeamCatalog);
  const seen = new Map<string, string>();
  for (const image of images) {
    const key = `${image.repository}:${image.tag}`;
    const before = seen.get(key);
    if (before) throw new TeamCatalogError(`${image.source}: ${key} is also given by ${before}`);
    seen.set(key, image.source);
  }
  return images;
}

function readTeamCatalog(dir: string): TeamImage[] {
  const images: TeamImage[] = [];
  // Named from the pages' folder down (onboarding/catalog/acme/api/Dockerfile): there may be several.
  const shown = (file: string) => path.relative(path.dirname(path.dirname(dir)), file);
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      // Not images of the team's: a checkout's .git, an app's installed packages.
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') {
        walk(path.join(folder, entry.name));
      }
    }
    const dockerfile = path.join(folder, 'Dockerfile');
    if (!existsSync(dockerfile)) return;
    if (folder === dir) {
      throw new TeamCatalogError(
        `${shown(dockerfile)}: each image's Dockerfile goes in a folder of its own, named as the image (catalog/acme/api/Dockerfile)`,
      );
    }
    const name = path.relative(dir, folder).split(path.sep).join('/');
    const parsed = splitReference(name);
    if (!parsed || name.includes(':')) {
      throw new TeamCatalogError(
        `${shown(dockerfile)}: "${name}" is not an image name (lower-case letters, digits, . _ - and / between parts)`,
      );
    }
    const tagsFile = path.join(folder, 'tags');
    const tags = existsSync(tagsFile) ? linesOf(tagsFile) : [{ text: 'latest', line: 0 }];
    if (tags.length === 0) throw new TeamCatalogError(`${shown(tagsFile)}: names no tag`);
    for (const { text, line } of tags) {
      if (!isTag(text)) throw new TeamCatalogError(`${shown(tagsFile)}:${line}: "${text}" is not a tag`);
      images.push({
        repository: parsed.repository,
        tag: text,
        source: shown(dockerfile),
        from: { build: folder },
      });
    }
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new TeamCatalogError(`${dir} is not a folder`);
  walk(dir);
  const list = path.join(dir, 'images');
  if (existsSync(list)) {
    for (const { text, line } of linesOf(list)) {
      const parsed = splitReference(text);
      if (!parsed) {
        throw new TeamCatalogError(
          `${shown(list)}:${line}: "${text}" is not an image reference like acme/api:1.4 (Docker Hub names only, no digest)`,
        );
      }
      images.push({ ...parsed, source: `${shown(list)}:${line}`, from: { engine: text } });
    }
  }
  return images;
}

function linesOf(file: string): { text: string; line: number }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((raw, index) => ({ text: raw.replace(/#.*/, '').trim(), line: index + 1 }))
    .filter(({ text }) => text !== '');
}

/**
 * A team's Dockerfile names images as its authors know them (`FROM python:3`); on this engine
 * those are the catalog's local names, or another team image's. Other names are left as they
 * are: a host with internet access may pull them.
 */
export function resolveFroms(
  dockerfile: string,
  localOf: (reference: string) => string | undefined,
): { dockerfile: string; bases: string[] } {
  const bases: string[] = [];
  const resolved = dockerfile.replace(
    /^(\s*FROM\s+(?:--platform=\S+\s+)?)(\S+)/gim,
    (whole, head: string, reference: string) => {
      const local = localOf(reference);
      if (!local) return whole;
      bases.push(local);
      return `${head}${local}`;
    },
  );
  return { dockerfile: resolved, bases };
}

/** A built team image's name on the host engine: apart from the team's own names there. */
export const teamLocalRef = (repository: string, tag: string) =>
  `berth/team/${repository.replace(/^library\//, '')}:${tag}`;

const localRefOf = (image: TeamImage) =>
  'engine' in image.from ? image.from.engine : teamLocalRef(image.repository, image.tag);

/**
 * Builds the team's Dockerfiles (cached as Berth's own images are; a team image another one
 * builds on first) and checks the listed images are on the engine; returns each as the mirror
 * will serve it.
 */
export async function ensureTeamImages(options: {
  docker: Docker;
  log: ImageLog;
  images: TeamImage[];
  /** The catalog's local name for a reference a Dockerfile builds on, if it has one. */
  catalogLocal: (reference: string) => string | undefined;
}): Promise<{ served: { local: string; repository: string; tag: string }[]; results: EnsureImageResult[] }> {
  const { docker, log, images, catalogLocal } = options;
  const byName = new Map(images.map((image) => [`${image.repository}:${image.tag}`, image]));
  const localOf = (reference: string) => {
    const parsed = splitReference(reference);
    const own = parsed && byName.get(`${parsed.repository}:${parsed.tag}`);
    return own ? localRefOf(own) : catalogLocal(reference);
  };
  const results: EnsureImageResult[] = [];
  /** Folder → the first tag built from it; a folder being built is there with '' (a cycle). */
  const built = new Map<string, string>();

  const ensure = async (image: TeamImage): Promise<void> => {
    if ('engine' in image.from) {
      if (!(await inspectImage(docker, image.from.engine))) {
        throw new TeamCatalogError(
          `${image.source}: ${image.from.engine} is not an image on this Docker engine; build or load it there first (docker load -i …), or give it a folder with its Dockerfile`,
        );
      }
      return;
    }
    const folder = image.from.build;
    const local = localRefOf(image);
    const first = built.get(folder);
    if (first === '') throw new TeamCatalogError(`${image.source}: builds on itself through its FROM lines`);
    if (first === undefined) {
      built.set(folder, '');
      const { dockerfile, bases } = resolveFroms(
        readFileSync(path.join(folder, 'Dockerfile'), 'utf8'),
        localOf,
      );
      for (const base of bases) {
        const team = images.find((other) => localRefOf(other) === base);
        if (team) await ensure(team);
      }
      try {
        results.push(
          await ensureImage({
            docker,
            log,
            contextDir: folder,
            tag: local,
            dependsOn: bases,
            files: { '.berth.Dockerfile': dockerfile },
            dockerfile: '.berth.Dockerfile',
          }),
        );
      } catch (error) {
        throw new TeamCatalogError(`${image.source}: ${(error as Error).message}`);
      }
      built.set(folder, local);
    } else if (
      first !== local &&
      (await inspectImage(docker, local))?.Id !== (await inspectImage(docker, first))?.Id
    ) {
      await docker.getImage(first).tag({ repo: local.slice(0, local.lastIndexOf(':')), tag: image.tag });
    }
  };

  for (const image of images) await ensure(image);
  return {
    served: images.map((image) => ({
      local: localRefOf(image),
      repository: image.repository,
      tag: image.tag,
    })),
    results,
  };
}
