// @ts-check
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';
import { runnableBlocks } from './src/blocks/expressive-code.ts';
import { rehypeBasePath } from './src/links/rehype-base-path.ts';

/** Where the site is served: `/` or a path like `/docs/` (README, "Self-hosting"). */
const base = process.env.BERTH_BASE_PATH || '/';

/** The guide's chapters in reading order; any other page dropped into content/ follows, by name. */
const CHAPTERS = [
  'key-concepts',
  'installation',
  'commands',
  'creating-images',
  'volumes',
  'networking',
  'machine-swarm-compose',
  'references',
];

function sidebarItems() {
  /** @type {string[]} */
  const slugs = [];
  /** @param {string} dir @param {string} prefix */
  const walk = (dir, prefix) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      // catalog/ holds a team's own images, not pages (README, "A team's own images").
      if (entry.isDirectory() && !(prefix === '' && entry.name === 'catalog'))
        walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (/^[^_].*\.mdx?$/.test(entry.name)) slugs.push(`${prefix}${entry.name.replace(/\.mdx?$/, '')}`);
    }
  };
  walk(fileURLToPath(new URL('./content', import.meta.url)), '');
  const pages = slugs.filter((slug) => slug !== 'index').map((slug) => slug.replace(/\/index$/, ''));
  return [
    ...CHAPTERS.filter((slug) => pages.includes(slug)),
    ...pages.filter((slug) => !CHAPTERS.includes(slug)).sort(),
  ];
}

// The built site is served by the sandbox server on the same origin as the API.
export default defineConfig({
  // Elsewhere for a second build beside dist/ (tests/site/base-path.e2e.test.ts makes one).
  outDir: process.env.BERTH_BUILD_DIR || './dist',
  base,
  markdown: { rehypePlugins: [[rehypeBasePath, base]] },
  integrations: [
    starlight({
      title: 'Berth',
      description: 'Learn Docker in your browser: every console block runs in your own sandbox.',
      customCss: ['./src/styles/berth.css'],
      components: { MarkdownContent: './src/overrides/MarkdownContent.astro' },
      expressiveCode: { plugins: [runnableBlocks()] },
      sidebar: [{ label: 'Docker Getting Started', items: sidebarItems() }],
    }),
  ],
});
