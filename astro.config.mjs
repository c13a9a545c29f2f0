// @ts-check
import { fileURLToPath } from 'node:url';
import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';
import { runnableBlocks } from './src/blocks/expressive-code.ts';
import { pageFiles, pageSlug } from './src/content-pages.ts';
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
  const pages = pageFiles(fileURLToPath(new URL('./content', import.meta.url)))
    .map(pageSlug)
    .filter((slug) => slug !== '');
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
      components: {
        MarkdownContent: './src/overrides/MarkdownContent.astro',
        Search: './src/overrides/Search.astro',
      },
      expressiveCode: { plugins: [runnableBlocks()] },
      sidebar: [{ label: 'Docker Getting Started', items: sidebarItems() }],
    }),
  ],
});
