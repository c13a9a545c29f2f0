import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { type DebianSuite, debianImage, ensureDebianImage } from './base.ts';
import { type EnsureImageResult, ensureImage, type ImageLog, inspectImage } from './build.ts';
import { splitReference } from './reference.ts';
import { ensureTeamImages, readTeamCatalogs } from './team-catalog.ts';

/** One image of the catalog: built here as `local`, served by the mirror as `repository:tag`. */
export interface CatalogImage {
  /** e.g. berth/catalog/nginx:latest */
  local: string;
  /** e.g. library/nginx */
  repository: string;
  /** e.g. latest */
  tag: string;
}

interface CatalogEntry {
  name: string;
  /** The build context, under catalog/. */
  context: string;
  /** The first is the one built; the others are more tags of the same image. */
  tags: readonly [string, ...string[]];
  /** The Debian image the Dockerfile builds on (every one does, if only in a builder stage). */
  debian: DebianSuite;
}

/** The images the guide and tutorials use, as stand-ins built from Debian packages. */
const CATALOG: readonly CatalogEntry[] = [
  { name: 'hello-world', context: 'hello-world', tags: ['latest'], debian: 'trixie' },
  { name: 'busybox', context: 'busybox', tags: ['latest'], debian: 'trixie' },
  { name: 'debian', context: 'debian-trixie', tags: ['trixie', 'latest'], debian: 'trixie' },
  { name: 'debian', context: 'debian-bookworm', tags: ['bookworm'], debian: 'bookworm' },
  { name: 'nginx', context: 'nginx', tags: ['latest'], debian: 'trixie' },
  // Tutorials' own: trixie's Python is 3.13, and `-slim` is asked for as often as the full image.
  {
    name: 'python',
    context: 'python',
    tags: ['3', 'latest', '3-slim', 'slim', '3.13', '3.13-slim'],
    debian: 'trixie',
  },
  // trixie's Redis is 8.0.
  { name: 'redis', context: 'redis', tags: ['latest', '8'], debian: 'trixie' },
  // trixie's Node.js is 20.
  { name: 'node', context: 'node', tags: ['20', 'latest', 'lts', '20-slim', 'slim'], debian: 'trixie' },
  // trixie's PostgreSQL is 17.
  { name: 'postgres', context: 'postgres', tags: ['latest', '17'], debian: 'trixie' },
  // trixie's MariaDB is 11.8. Debian has no MySQL: `mysql` is the same MariaDB under the MySQL
  // image's names, as tutorials' clients and apps speak to either (its version says MariaDB).
  { name: 'mariadb', context: 'mariadb', tags: ['latest', '11'], debian: 'trixie' },
  { name: 'mysql', context: 'mariadb', tags: ['latest', '8', '8.0', '8.4'], debian: 'trixie' },
  // trixie's Apache is 2.4.
  { name: 'httpd', context: 'httpd', tags: ['latest', '2.4', '2'], debian: 'trixie' },
];

const CATALOG_DIR = fileURLToPath(new URL('./catalog/', import.meta.url));
const localRef = (name: string, tag: string) => `berth/catalog/${name}:${tag}`;

/** The catalog for people: "hello-world, busybox, debian (trixie, latest, bookworm), nginx". */
export const CATALOG_NAMES = describeCatalog(CATALOG);

/** Every image the mirror serves, one per tag. */
export const CATALOG_IMAGES: readonly CatalogImage[] = CATALOG.flatMap((entry) =>
  entry.tags.map((tag) => ({ local: localRef(entry.name, tag), repository: `library/${entry.name}`, tag })),
);

export interface Catalog {
  images: CatalogImage[];
  /** One hash over the ids of all catalog images: a new one means the mirror needs seeding again. */
  hash: string;
  /** The Debian images under the catalog, then one result per catalog build. */
  results: EnsureImageResult[];
}

/** The catalog's local name for an image as a Dockerfile names it (`python:3`), if it has one. */
export function catalogLocal(reference: string): string | undefined {
  const parsed = splitReference(reference);
  return CATALOG_IMAGES.find((image) => image.repository === parsed?.repository && image.tag === parsed.tag)
    ?.local;
}

/**
 * Builds whatever catalog image is missing or out of date; a second run builds nothing. With
 * `teamDirs`, a team's own images join it (team-catalog.ts), in the place of a stand-in of the
 * same name and tag.
 */
export async function ensureCatalog(options: {
  docker: Docker;
  log: ImageLog;
  teamDirs?: readonly string[];
}): Promise<Catalog> {
  const { docker, teamDirs = [] } = options;
  const results: EnsureImageResult[] = [];
  // The bases side by side; each is made once, however many builds ask (base.ts).
  const suites = [...new Set(CATALOG.map((entry) => entry.debian))];
  results.push(...(await Promise.all(suites.map((suite) => ensureDebianImage({ ...options, suite })))));
  // Two builds at a time, beside the server's images (all-images.ts); entries of one context
  // (mariadb, mysql) in turn, so the second finds the first's layers instead of building them again.
  const byContext = new Map<string, CatalogEntry[]>();
  for (const entry of CATALOG) byContext.set(entry.context, [...(byContext.get(entry.context) ?? []), entry]);
  const built = await inTurns([...byContext.values()], 2, async (entries) => {
    const out: EnsureImageResult[] = [];
    for (const entry of entries) out.push(await ensureEntry(docker, options.log, entry));
    return out;
  });
  results.push(...built.flat());

  const team = await ensureTeamImages({
    ...options,
    images: readTeamCatalogs(teamDirs),
    catalogLocal,
  });
  results.push(...team.results);
  const key = (image: { repository: string; tag: string }) => `${image.repository}:${image.tag}`;
  const teamKeys = new Set(team.served.map(key));
  const images = [...CATALOG_IMAGES.filter((image) => !teamKeys.has(key(image))), ...team.served];

  const hash = createHash('sha256');
  for (const image of images) {
    hash.update(`${key(image)}=${(await inspectImage(docker, image.local))?.Id}\n`);
  }
  return { images, hash: `sha256:${hash.digest('hex')}`, results };
}

/** Builds one entry's image and gives it its other tags. */
async function ensureEntry(docker: Docker, log: ImageLog, entry: CatalogEntry): Promise<EnsureImageResult> {
  const [first, ...more] = entry.tags;
  const built = localRef(entry.name, first);
  const result = await ensureImage({
    docker,
    log,
    contextDir: `${CATALOG_DIR}${entry.context}`,
    tag: built,
    dependsOn: [debianImage(entry.debian)],
  });
  const { Id } = (await inspectImage(docker, built)) ?? { Id: '' };
  for (const tag of more) {
    if ((await inspectImage(docker, localRef(entry.name, tag)))?.Id !== Id) {
      await docker.getImage(Id).tag({ repo: `berth/catalog/${entry.name}`, tag });
    }
  }
  return result;
}

/** `task` over every item, at most `width` at once; the results in the items' order. */
async function inTurns<T, R>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

function describeCatalog(entries: readonly CatalogEntry[]): string {
  const tagsByName = new Map<string, string[]>();
  for (const entry of entries)
    tagsByName.set(entry.name, [...(tagsByName.get(entry.name) ?? []), ...entry.tags]);
  return [...tagsByName]
    .map(([name, tags]) => (tags.join() === 'latest' ? name : `${name} (${tags.join(', ')})`))
    .join(', ');
}
