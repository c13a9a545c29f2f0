import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { globSync } from 'tinyglobby';
import { afterAll, describe, expect, it } from 'vitest';
import { isPage, PAGE_PATTERNS, pageFiles, pageSlug } from './content-pages.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'berth-pages-'));
for (const file of [
  'index.mdx',
  'volumes.md',
  '_partial.mdx',
  '.notes.md',
  'notes.txt',
  'README.MD',
  'catalog/app/README.md',
  'team/index.md',
  'team/catalog/usage.mdx',
  'team/_drafts/next.md',
  '_shared/intro.md',
  '.obsidian/page.md',
]) {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), '# page\n');
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the pages of a content folder', () => {
  it('are its Markdown and MDX files but partials (_name), dot-folders and its catalog/', () => {
    expect(pageFiles(dir)).toEqual([
      '.notes.md',
      '_shared/intro.md',
      'index.mdx',
      'team/_drafts/next.md',
      'team/catalog/usage.mdx',
      'team/index.md',
      'volumes.md',
    ]);
    expect(isPage('catalog/app/README.md')).toBe(false);
    expect(isPage('team/catalog/usage.mdx')).toBe(true);
  });

  it("are the files Astro's glob loader renders from the same patterns", () => {
    // As astro/loaders' glob() calls it.
    const rendered = globSync(PAGE_PATTERNS, { cwd: dir, expandDirectories: false });
    expect(pageFiles(dir)).toEqual(rendered.sort());
  });

  it('are named by their path, an index by its folder', () => {
    expect(['index.mdx', 'volumes.md', 'team/index.md', 'team/usage.mdx'].map(pageSlug)).toEqual([
      '',
      'volumes',
      'team',
      'team/usage',
    ]);
  });
});
