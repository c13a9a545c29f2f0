// @ts-check
import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';
import { runnableBlocks } from './src/blocks/expressive-code.ts';

// The built site is served by the sandbox server on the same origin as the API.
export default defineConfig({
  outDir: './dist',
  integrations: [
    starlight({
      title: 'Berth',
      description: 'Learn Docker in your browser: every console block runs in your own sandbox.',
      customCss: ['./src/styles/berth.css'],
      components: { MarkdownContent: './src/overrides/MarkdownContent.astro' },
      expressiveCode: { plugins: [runnableBlocks()] },
      sidebar: [
        {
          label: 'Docker Getting Started',
          items: [
            'key-concepts',
            'installation',
            'commands',
            'creating-images',
            'volumes',
            'networking',
            'machine-swarm-compose',
            'references',
          ],
        },
      ],
    }),
  ],
});
