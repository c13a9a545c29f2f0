// The registry mirror the tests share, with the team images their pages use. `npm test`'s set-up
// makes it current (`tsx sandbox-server/src/testing/mirror.ts`); tests and deployments under test
// that make it current again ask for the very same, so the engine's one mirror is never seeded
// anew, and swapped, under the sandboxes of tests running beside them.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { loadConfig } from '../config/index.ts';
import { makeMirrorCurrent } from '../mirror/current.ts';

const REPOSITORY = fileURLToPath(new URL('../../../', import.meta.url));

/** The pages the tests run (the guide, and pages in other tutorials' conventions). */
export const TEST_PAGES = ['content', 'tests/guide/conventions'];

/** The team images' folders of some pages folders: each one's catalog/, when it has one. */
export function catalogDirsOf(pages: readonly string[], root = REPOSITORY): string[] {
  return pages.map((dir) => path.join(dir, 'catalog')).filter((dir) => existsSync(path.resolve(root, dir)));
}

/** The tests' team images' folders, relative to the checkout. */
export const TEST_CATALOG_DIRS = catalogDirsOf(TEST_PAGES);

/** Makes the mirror what the tests need: the catalog offline, with TEST_CATALOG_DIRS. */
export function ensureTestMirror(log: (line: string) => void = () => {}): Promise<string> {
  const catalogDirs = TEST_CATALOG_DIRS.map((dir) => path.join(REPOSITORY, dir));
  return makeMirrorCurrent({
    docker: new Docker(),
    config: { ...loadConfig(process.env), catalogDirs },
    log,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(await ensureTestMirror((line) => process.stderr.write(`  ${line}\n`)));
  } catch (error) {
    console.error(`mirror: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
