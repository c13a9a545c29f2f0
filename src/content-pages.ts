import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * What a page is, in a content folder (content/, or a team's): a Markdown or MDX file whose name
 * does not start with `_`, outside dot-folders, and outside the folder's own catalog/, which holds
 * a team's images (README, "A team's own images"). Astro's glob loader takes the rule as patterns;
 * the sidebar, the guide runner and the browser tests list the same files with pageFiles.
 */
export const PAGE_PATTERNS = ['**/[^_]*.{md,mdx}', '!catalog/**'];

/** Whether `file`, a path inside its content folder with `/` between its parts, is a page. */
export function isPage(file: string): boolean {
  const dirs = file.split('/');
  const name = dirs.pop() ?? '';
  if (dirs[0] === 'catalog' || dirs.some((dir) => dir.startsWith('.'))) return false;
  return /^[^_].*\.mdx?$/.test(name);
}

/** Every page in a content folder: paths inside it with `/` between their parts, sorted. */
export function pageFiles(contentDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = `${prefix}${entry.name}`;
      // A folder is worth reading when a page in it would be one.
      if (entry.isDirectory() && isPage(`${file}/page.md`)) walk(path.join(dir, entry.name), `${file}/`);
      else if (!entry.isDirectory() && isPage(file)) found.push(file);
    }
  };
  walk(contentDir, '');
  return found.sort();
}

/** A page's slug as the sidebar names it: its path without the extension, an index its folder's. */
export function pageSlug(file: string): string {
  return file.replace(/\.mdx?$/, '').replace(/(^|\/)index$/, '');
}
